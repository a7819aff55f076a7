# Runs after boot.py: start the bench, or its safe mode after repeated failed boots (bootslot.py).
import gc
import sys

_slot = sys.modules.get("bootslot")  # imported by boot.py on a bench with a boot journal


def _failed(exc):
    # Left alone, an exception here would leave the board at the REPL prompt, perhaps before the
    # watchdog is armed: a failed boot instead, counted by the journal (rollback, safe mode).
    sys.print_exception(exc)
    print("main: the application failed (%r): reset" % (exc,))
    import machine

    machine.reset()


def _interrupted():
    # Ctrl-C from a technician's REPL or mpremote: an armed watchdog cannot be stopped and will
    # reset the board once; after that it stays unarmed while the technician works (benchcore/keepalive.py).
    if not _slot:
        return
    try:
        open("maintenance", "w").close()
    except OSError:
        pass
    print("main: interrupted: maintenance (the watchdog stays unarmed after a reset)")


try:
    if _slot and _slot.journal.get("safe"):
        from benchcore.safemode import run
    else:
        # Load all code while a ballast block holds the bottom of the heap, then free it: the modules
        # pack above it and the citizens' requests find one large free region instead of holes.
        _ballast = bytearray(40 * 1024)
        from benchcore.app import PRELOAD

        for _name in PRELOAD + (("benchcore.protocol_updates", "benchcore.keepalive") if _slot else ()):
            __import__(_name)
            gc.collect()
        del _ballast
        gc.collect()
        from benchcore.app import run
    run()
    _interrupted()  # run() returns only when interrupted
except KeyboardInterrupt:
    _interrupted()
except Exception as exc:  # MemoryError included
    _failed(exc)
