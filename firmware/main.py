# Runs after boot.py: start the bench, or its safe mode after repeated failed boots (bootslot.py).
# An exception that reached the REPL prompt would leave the board there, unguarded: it becomes a
# reset, a failed boot the journal counts (rollback, safe mode). Ctrl-C from a technician's REPL or
# mpremote: an armed watchdog cannot be stopped and resets the board once; the file `maintenance`
# keeps it unarmed after that (benchcore/keepalive.py). Few names here: each is interned for good.
import gc
import sys

try:
    if sys.modules.get("bootslot") and sys.modules["bootslot"].journal.get("safe"):
        from benchcore.safemode import run
    else:
        # Load all code while a ballast block holds the bottom of the heap, then free it: the modules
        # pack above it and the citizens' requests find one large free region instead of holes.
        _ballast = bytearray(40 * 1024)
        from benchcore.app import PRELOAD

        for _name in PRELOAD + (("benchcore.protocol_updates", "benchcore.keepalive")
                                if "bootslot" in sys.modules else ()):
            __import__(_name)
            gc.collect()
        del _ballast
        gc.collect()
        from benchcore.app import run
    run()
    raise KeyboardInterrupt  # run() returns only when interrupted
except KeyboardInterrupt:
    if "bootslot" in sys.modules:
        open("maintenance", "w").close()
        print("main: interrupted: maintenance (the watchdog stays unarmed after a reset)")
except Exception as exc:  # MemoryError included
    sys.print_exception(exc)
    print("main: the application failed (%r): reset" % (exc,))
    import machine

    machine.reset()
