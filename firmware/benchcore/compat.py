# Small shims so the bench core runs on MicroPython and on CPython alike.
try:
    from micropython import const
except ImportError:  # CPython

    def const(value):
        return value


try:
    from time import ticks_ms, ticks_diff
except ImportError:  # CPython
    import time as _time

    def ticks_ms():
        return int(_time.monotonic() * 1000)

    def ticks_diff(end, start):
        return end - start


try:
    from sys import print_exception
except ImportError:  # CPython
    import traceback as _traceback

    def print_exception(exc):
        _traceback.print_exception(exc)


def file_size(path):
    import os

    try:
        return os.stat(path)[6]
    except OSError:
        return -1


try:
    from binascii import crc32 as _crc32

    _crc32("")  # MicroPython: a str is a buffer of its UTF-8 bytes, no copy needed
    _STR_IS_BUFFER = True
except TypeError:  # CPython
    _STR_IS_BUFFER = False


def as_buffer(piece):
    """piece (str or bytes) as something file.write and crc32 take, without copying where possible."""
    if _STR_IS_BUFFER or not isinstance(piece, str):
        return piece
    return piece.encode()
