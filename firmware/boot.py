# Runs first at every reset. Keep it tiny: a fault here would make the bench unreachable.
import gc

gc.collect()
