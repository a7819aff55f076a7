"""PNG plots of a fleet run: true vs estimated SoC, harvest and mode over the month."""

import os


def plot_fleet(result, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(outdir, exist_ok=True)
    paths = []
    for pol in ("firmware", "naive"):
        if pol not in result:
            continue
        benches = [b for b in result[pol]["benches"] if "trace" in b]
        if not benches:
            continue
        fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
        for b in benches:
            tr = b["trace"]
            axes[0].plot(tr["t"], tr["soc_true"], lw=0.8, label=b["site"])
            axes[1].plot(tr["t"], tr["solar_w"], lw=0.5)
            axes[2].plot(tr["t"], tr["mode"], lw=0.6, drawstyle="steps-post")
        worst = max(benches, key=lambda b: b["soc_error_max"])
        axes[0].plot(worst["trace"]["t"], worst["trace"]["soc_est"], "k--", lw=0.8,
                     label="estimate (%s)" % worst["site"])
        axes[0].set_ylabel("SoC %")
        axes[0].legend(fontsize=6, ncol=4)
        axes[1].set_ylabel("panel W")
        axes[2].set_yticks([-1, 0, 1, 2, 3])
        axes[2].set_yticklabels(["off (LVD)", "normal", "saver", "critical", "sleep"])
        axes[2].set_xlabel("day of month")
        fig.suptitle("month %d, %s policy: availability min %.1f %%, brown-outs %d, "
                     "SoC error max %.1f points" % (
                         result["month"], pol, 100 * result[pol]["availability_min"],
                         result[pol]["brownouts"], result[pol]["soc_error_max"]))
        fig.tight_layout()
        p = os.path.join(outdir, "energy-m%02d-%s.png" % (result["month"], pol))
        fig.savefig(p, dpi=90)
        plt.close(fig)
        paths.append(p)
    return paths
