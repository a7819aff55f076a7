# Runs first at every reset. Keep it tiny: a fault here would make the bench unreachable.
import gc

try:
    open("boot.json").close()
except OSError:
    pass  # no boot journal: the factory tree, without watchdog, safe mode or updates (docs/updates.md)
else:
    try:
        import bootslot

        bootslot.select()  # count this boot; pick the tree (factory, good or trial release) for main.py
    except Exception as exc:  # a journal we cannot use must not stop the bench: the factory tree runs
        print("boot: journal unusable (%r): factory tree" % (exc,))
gc.collect()
