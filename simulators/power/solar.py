"""Sun position, clear-sky and plane-of-array irradiance, and a daily weather generator.

- Sun position: NOAA General Solar Position Calculations (Spencer's Fourier series for the
  declination and the equation of time).
- Clear sky: Haurwitz (1945) global horizontal, GHI = 1098 cos z exp(-0.057 / cos z) W/m2,
  used only for the shape of the day.
- Daily totals: FAO-56 (Allen et al. 1998) eq. 35, Angstrom-Prescott Rs = (0.25 + 0.50 n/N) Ra,
  with n/N the day's relative sunshine duration and Ra the extraterrestrial irradiation computed
  here by integrating the same sun.
- Beam/diffuse split: Erbs, Klein & Duffie (1982) diffuse fraction from the clearness index.
- Plane of array: beam on the tilted plane + isotropic sky diffuse + ground-reflected (albedo).
- Weather: each day's relative sunshine drawn from a Kumaraswamy(1, b) law whose mean is the
  month's normal n/N (b = 1/mean - 1: December's mean ~0.15 gives mostly dull days and a few
  clear ones), correlated from day to day (AR(1), rho = 0.6: cloudy spells last several days),
  then scaled so the month hits its normal exactly ("a typical month").
"""

import math
import random

SOLAR_CONSTANT = 1361.0


def sun_position(t_utc, lat, lon):
    """(cos_zenith, azimuth_deg from north clockwise, extraterrestrial normal W/m2)."""
    day = t_utc / 86400.0
    doy = int(day % 365.2425)  # close enough for a fixed-year simulation
    hour = (t_utc % 86400) / 3600.0
    g = 2 * math.pi / 365 * (doy + (hour - 12) / 24)
    eqt = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                    - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g)
            - 0.006758 * math.cos(2 * g) + 0.000907 * math.sin(2 * g)
            - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    tst = hour * 60 + eqt + 4 * lon
    ha = math.radians(tst / 4 - 180)
    la = math.radians(lat)
    cz = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    cz = max(-1.0, min(1.0, cz))
    sz = math.sqrt(1 - cz * cz) or 1e-9
    ca = (math.sin(decl) - math.sin(la) * cz) / (math.cos(la) * sz)
    az = math.degrees(math.acos(max(-1.0, min(1.0, ca))))
    if ha > 0:
        az = 360 - az
    e0 = SOLAR_CONSTANT * (1 + 0.033 * math.cos(2 * math.pi * doy / 365))
    return cz, az, e0


def haurwitz(cz):
    return 1098.0 * cz * math.exp(-0.057 / cz) if cz > 0.01 else 0.0


def erbs_diffuse_fraction(kt):
    if kt <= 0.22:
        return 1.0 - 0.09 * kt
    if kt <= 0.80:
        return 0.9511 - 0.1604 * kt + 4.388 * kt ** 2 - 16.638 * kt ** 3 + 12.336 * kt ** 4
    return 0.165


def poa(ghi, cz, az, e0, tilt_deg, azim_deg, albedo=0.2):
    """Irradiance on a tilted plane (W/m2) from global horizontal."""
    if ghi <= 0 or cz <= 0.01:
        return 0.0
    kt = min(1.0, ghi / (e0 * cz))
    dhi = ghi * erbs_diffuse_fraction(kt)
    dni = (ghi - dhi) / cz
    b = math.radians(tilt_deg)
    sz = math.sqrt(1 - cz * cz)
    cos_aoi = cz * math.cos(b) + sz * math.sin(b) * math.cos(math.radians(az - azim_deg))
    return max(0.0, dni * max(0.0, cos_aoi) + dhi * (1 + math.cos(b)) / 2
               + ghi * albedo * (1 - math.cos(b)) / 2)


def day_sums(day_start_utc, lat, lon, step=600):
    """(Ra extraterrestrial horizontal, Haurwitz clear-sky horizontal, day length h) in Wh/m2."""
    ra = hz = 0.0
    n = 0
    for k in range(0, 86400, step):
        cz, _, e0 = sun_position(day_start_utc + k + step / 2, lat, lon)
        if cz > 0:
            ra += e0 * cz
            hz += haurwitz(cz)
            n += 1
    return ra * step / 3600, hz * step / 3600, n * step / 3600


def daily_sunshine(mean_frac, days, seed, rho=0.6):
    """Relative sunshine n/N for each day of a month, mean exactly `mean_frac`."""
    rng = random.Random(seed)
    b = max(0.05, 1.0 / max(0.02, min(0.95, mean_frac)) - 1.0)
    x = 0.0
    out = []
    for _ in range(days):
        x = rho * x + math.sqrt(1 - rho * rho) * rng.gauss(0, 1)
        u = 0.5 * (1 + math.erf(x / math.sqrt(2)))
        out.append(1 - (1 - u) ** (1 / b))  # Kumaraswamy(1, b) quantile
    for _ in range(5):  # rescale to the normal, respecting [0, 1]
        m = sum(out) / days
        if m <= 0:
            break
        out = [min(1.0, v * mean_frac / m) for v in out]
    return out


class Weather:
    """GHI (W/m2) and air temperature for one site over a run, from its monthly normals."""

    def __init__(self, site, month, days, start_utc, seed, sunless_days=0):
        """sunless_days: the first N days get no bright sunshine at all (overcast: diffuse light only)."""
        self.site = site
        self.start = start_utc
        self.days = days
        self.lat, self.lon = site["lat"], site["lon"]
        m = month - 1
        dlen = day_sums(start_utc + 15 * 86400, self.lat, self.lon)[2]
        mean_frac = site["sun_h"][m] / (dlen * 30.4)
        self.frac = daily_sunshine(mean_frac, days, seed)
        self.frac[:sunless_days] = [0.0] * min(days, sunless_days)
        self.tmean = site["t_c"][m]
        self.scale = []
        self.h_day = []
        for d in range(days):
            ra, hz, _ = day_sums(start_utc + d * 86400, self.lat, self.lon)
            h = (0.25 + 0.50 * self.frac[d]) * ra
            self.h_day.append(h)
            self.scale.append(h / hz if hz > 0 else 0.0)

    def at(self, t_utc):
        """(ghi, cos_zenith, azimuth, e0, air temperature degC)."""
        d = int((t_utc - self.start) // 86400)
        d = max(0, min(self.days - 1, d))
        cz, az, e0 = sun_position(t_utc, self.lat, self.lon)
        ghi = haurwitz(cz) * self.scale[d]
        hour = (t_utc % 86400) / 3600.0 + self.lon / 15
        temp = self.tmean + 4.0 * math.cos(2 * math.pi * (hour - 14.5) / 24)
        return ghi, cz, az, e0, temp
