"""Amounts in BAM (KM) with the EUR equivalent at the currency board's fixed rate, in the reader's language."""
from decimal import ROUND_HALF_UP, Decimal

BAM_PER_EUR = Decimal("1.95583")
_CENT = Decimal("0.01")


def to_eur(bam: Decimal) -> Decimal:
    return (Decimal(bam) / BAM_PER_EUR).quantize(_CENT, rounding=ROUND_HALF_UP)


def _number(value: Decimal, thousands: str, decimal: str) -> str:
    whole, _, cents = f"{Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}".partition(".")
    return whole.replace(",", thousands) + decimal + cents


def format_bam(value: Decimal, language: str) -> str:
    """12.345,00 KM (6.311,78 EUR) in bs/hr/sr-latn, 12.345,00 КМ in Cyrillic, BAM 12,345.00 (EUR 6,311.78) in en."""
    value = Decimal(value or 0)
    if language == "en":
        return f"BAM {_number(value, ',', '.')} (EUR {_number(to_eur(value), ',', '.')})"
    mark = "КМ" if language == "sr" else "KM"
    return f"{_number(value, '.', ',')} {mark} ({_number(to_eur(value), '.', ',')} EUR)"
