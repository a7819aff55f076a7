"""Ed25519 signature verification (RFC 8032, 5.1.7), pure Python, for signed releases.

MicroPython offers no public-key signature check (hashlib has SHA-256, cryptolib only AES, and the
ssl module's mbedTLS verifies certificates, not messages), so the bench carries this ~100-line
verifier. It only verifies: the private key never leaves the hub. Timing does not leak secrets in
verification. Cost is measured in docs/updates.md (one verify per release).
"""
from benchcore.sha512 import sha512

_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_D2 = _D * 2 % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_BY = 4 * pow(5, _P - 2, _P) % _P  # base point y = 4/5


class BadSignature(Exception):
    pass


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = t1 * _D2 * t2 % _P
    d = z1 * 2 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _double(p):
    x1, y1, z1, _ = p
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = a + b
    s = x1 + y1
    e = h - s * s % _P
    g = a - b
    f = c + g
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _recover_x(y, sign):
    if y >= _P:
        raise BadSignature("point not canonical")
    y2 = y * y % _P
    u = (y2 - 1) % _P
    v = (_D * y2 + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vx2 = v * x * x % _P
    if vx2 == (_P - u) % _P:
        x = x * _SQRT_M1 % _P
    elif vx2 != u:
        raise BadSignature("not a curve point")
    if x == 0 and sign:
        raise BadSignature("not a curve point")
    if x & 1 != sign:
        x = _P - x
    return x


def _decode(encoded):
    y = int.from_bytes(encoded, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return x, y, 1, x * y % _P


def _encode(point):
    x, y, z, _ = point
    zi = pow(z, _P - 2, _P)
    x, y = x * zi % _P, y * zi % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_B = (_recover_x(_BY, 0), _BY, 1, _recover_x(_BY, 0) * _BY % _P)


def verify(public_key, message, signature):
    """Raises BadSignature unless signature (64 bytes) is public_key's (32 bytes) over message."""
    if len(public_key) != 32 or len(signature) != 64:
        raise BadSignature("wrong length")
    a = _decode(public_key)
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        raise BadSignature("S out of range")
    h = int.from_bytes(sha512(bytes(signature[:32]) + bytes(public_key) + bytes(message)), "little") % _L
    # [s]B - [h]A in one pass over the bits (Straus/Shamir): about half the additions of two passes.
    minus_a = ((_P - a[0]) % _P, a[1], a[2], (_P - a[3]) % _P)
    both = _add(_B, minus_a)
    acc = (0, 1, 1, 0)
    for i in range(252, -1, -1):  # s, h < L < 2**253 (MicroPython's int has no bit_length)
        acc = _double(acc)
        bit_s, bit_h = (s >> i) & 1, (h >> i) & 1
        if bit_s and bit_h:
            acc = _add(acc, both)
        elif bit_s:
            acc = _add(acc, _B)
        elif bit_h:
            acc = _add(acc, minus_a)
    if _encode(acc) != bytes(signature[:32]):
        raise BadSignature("signature does not match")
