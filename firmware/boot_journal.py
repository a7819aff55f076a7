# boot.py of a bench provisioned with a boot journal (boot.json): the simulator (prepare_flash with
# keepalive) writes it as boot.py. The default boot.py names nothing of the journal: every name a
# bench loads is interned for good, and the default bench sits at the edge of the interpreter's
# next string-pool step (docs/updates.md, "Heap").
import gc

import bootslot

# Count this boot, pick the tree, and run the bench from there (watchdog, safe mode, updates).
bootslot.run()
gc.collect()
