"""Twelve partner municipalities of Bosnia and Herzegovina and their monthly climate normals.

`sun_h`: mean bright-sunshine hours per month; `t_c`: mean air temperature per month (degC).
Sources and confidence (see docs/power.md, "Climate figures"):
- Sarajevo is anchored on the City of Sarajevo's published climate summary (sarajevo.ba,
  "Climate": 1830 sunshine hours a year, December the cloudiest month with 41 h, August the
  sunniest with 270 h; January -1.3 degC, July 19.1 degC).
- The other eleven are ENGINEERING ESTIMATES shaped like the WMO 1961-1990 normals of the
  hydrometeorological services (FHMZ BiH, RHMZ RS) as commonly republished, following the known
  gradient: Herzegovina (Mostar, Trebinje, Livno) 2100-2500 h/yr with sunny winters, the Sava
  plain (Brcko, Bijeljina, Banja Luka, Prijedor) ~1900 h, the central valleys with winter
  inversion fog (Zenica, Gorazde) ~1700 h.  Replace them with PVGIS-SARAH3 monthly values for
  the exact bench sites before a procurement decision; the simulator reads only this table.
"""

import tomllib
from pathlib import Path

# Names and coordinates live in one file, shared with the fleet simulator and the hub's map.
MUNICIPALITIES_FILE = Path(__file__).resolve().parent.parent / "scenarios" / "municipalities.toml"


def _t(base, delta):
    return [round(v + delta, 1) for v in base]


_T_SARAJEVO = [-1.3, 0.6, 4.5, 9.3, 14.0, 17.2, 19.1, 18.8, 15.0, 10.2, 5.0, 0.8]
_T_POSAVINA = [0.3, 2.3, 6.9, 11.8, 16.6, 20.0, 21.8, 21.2, 17.0, 11.6, 6.2, 1.6]
_T_HERZEG = [5.6, 7.0, 10.1, 13.8, 18.4, 22.3, 25.4, 25.1, 20.9, 15.9, 10.6, 6.8]

SITES = {
    "sarajevo-centar": {"sun_h": [56, 82, 124, 149, 193, 213, 262, 270, 192, 143, 79, 41],
                        "t_c": _T_SARAJEVO},
    "mostar": {"sun_h": [108, 122, 158, 180, 229, 270, 326, 300, 232, 182, 112, 94],
               "t_c": _T_HERZEG},
    "banja-luka": {"sun_h": [62, 92, 139, 169, 218, 236, 279, 256, 195, 148, 83, 52],
                   "t_c": _T_POSAVINA},
    "tuzla": {"sun_h": [60, 88, 134, 161, 207, 225, 269, 249, 187, 141, 77, 48],
              "t_c": _t(_T_POSAVINA, -0.8)},
    "zenica": {"sun_h": [50, 80, 122, 146, 190, 209, 251, 237, 180, 130, 68, 40],
               "t_c": _t(_T_SARAJEVO, 1.0)},
    "bihac": {"sun_h": [65, 90, 132, 160, 205, 224, 270, 248, 188, 142, 80, 55],
              "t_c": _t(_T_POSAVINA, -0.5)},
    "trebinje": {"sun_h": [120, 135, 170, 195, 248, 290, 345, 318, 255, 195, 125, 108],
                 "t_c": _t(_T_HERZEG, -1.0)},
    "brcko": {"sun_h": [65, 95, 145, 178, 228, 246, 290, 268, 203, 153, 86, 55],
              "t_c": _T_POSAVINA},
    "bijeljina": {"sun_h": [66, 96, 146, 180, 230, 248, 292, 270, 205, 155, 87, 56],
                  "t_c": _t(_T_POSAVINA, 0.2)},
    "livno": {"sun_h": [100, 115, 150, 172, 220, 257, 316, 290, 222, 168, 102, 85],
              "t_c": _t(_T_SARAJEVO, -0.5)},
    "gorazde": {"sun_h": [52, 80, 120, 145, 188, 205, 250, 238, 180, 130, 70, 40],
                "t_c": _t(_T_SARAJEVO, 0.8)},
    "prijedor": {"sun_h": [60, 90, 136, 165, 213, 232, 275, 252, 192, 145, 80, 50],
                 "t_c": _t(_T_POSAVINA, -0.3)},
}

with open(MUNICIPALITIES_FILE, "rb") as _f:
    _PLACES = tomllib.load(_f)
for _key, _site in SITES.items():
    _site.update({k: _PLACES[_key][k] for k in ("name", "lat", "lon", "elev")})

# Phones charged per bench per day, by month (citizens sit outside more in summer).
USB_SESSIONS_PER_DAY = [2, 2, 3, 4, 6, 7, 8, 8, 6, 4, 2, 2]
