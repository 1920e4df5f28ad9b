package org.percpudefer.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Filter;
import java.util.logging.Logger;

import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.LockKind;
import org.percpudefer.stress.Stress;
import org.percpudefer.stress.StressConfig;
import org.percpudefer.stress.StressReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The reliability run: every variant under random roles, hotplug, {@code deferMax} changes and injected
 * faults, each ending with the conservation proof ({@link Stress}). Exits 1 if any variant found a problem.
 */
@Command(name = "stress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stress every defer variant: random producer/consumer roles, cross-CPU frees and recycling, "
                + "CPUs offline and online, deferMax changed (0 and 1 included), bursts, idle gaps and injected task "
                + "faults; each run ends with the conservation proof. Exits 1 if anything was lost, freed twice or "
                + "held past its bound."})
final class StressCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--cpus", paramLabel = "N",
            description = "Simulated CPUs, 2.." + MachineConfig.MAX_CPUS + " (default: ${DEFAULT-VALUE}).")
    int cpus = 4;

    @Option(names = "--objects", paramLabel = "N",
            description = "Objects to allocate and free per variant, 1.." + Long.MAX_VALUE + " (default: ${DEFAULT-VALUE}).")
    long objects = 2_000_000;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop each variant after this long even if --objects is not reached, 0.." + StressConfig.MAX_SECONDS
                    + "; 0 for no limit (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--variants", split = ",", paramLabel = "V",
            description = "Variants, comma separated: ${COMPLETION-CANDIDATES}, or all (default: all).")
    List<String> variantNames = List.of("all");

    @Option(names = "--lock", paramLabel = "KIND",
            description = "Defer lock of the locked variants: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LockKind lock = LockKind.TTAS;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--accounting", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Check every move of every object with a ledger (default: on; --no-accounting for speed).")
    boolean accounting = true;

    @Option(names = "--faults", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Make hosted tasks throw now and then, and re-host them (default: on).")
    boolean faults = true;

    @Option(names = "--pin", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pin each simulated CPU's thread to a core (default: on; --no-pin to leave placement to the OS).")
    boolean pin = true;

    /** Held so that the filter set on it stays: JUL keeps loggers only weakly. */
    private static final Logger MACHINE_LOG = Logger.getLogger("org.percpudefer.cpu.Machine");

    private final PrintWriter out;

    StressCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        FlowOptions.check(spec, "--cpus", cpus, 2, MachineConfig.MAX_CPUS);
        FlowOptions.check(spec, "--objects", objects, 1, Long.MAX_VALUE);
        FlowOptions.check(spec, "--duration", seconds, 0, StressConfig.MAX_SECONDS);
        List<DeferVariant> variants = variants();
        out.printf(Locale.ROOT, "percpu-defer stress: %s, %,d objects each%s, %d CPUs, lock %s, seed %d, accounting %s, faults %s%n",
                variants, objects, seconds > 0 ? " or " + seconds + " s" : "", cpus, lock, seed,
                accounting ? "on" : "off", faults ? "on" : "off");
        out.flush();
        Filter previous = MACHINE_LOG.getFilter(); // the injected faults are counted in the report, not logged one by one
        MACHINE_LOG.setFilter(r -> !Stress.injected(r.getThrown()) && (previous == null || previous.isLoggable(r)));
        try {
            return runAll(variants);
        } finally {
            MACHINE_LOG.setFilter(previous);
        }
    }

    private int runAll(List<DeferVariant> variants) {
        int failed = 0;
        long total = 0;
        for (DeferVariant v : variants) {
            StressConfig c = new StressConfig(cpus, objects, seconds, v, lock, seed, accounting, faults, pin);
            StressReport r = Stress.run(c, (freed, target, state) -> {
                out.printf(Locale.ROOT, "  %s: %,d of %,d objects home (%s)%n", v, freed, target, state);
                out.flush();
            });
            r.lines().forEach(out::println);
            out.flush();
            failed += r.passed() ? 0 : 1;
            total += r.allocated();
        }
        out.printf(Locale.ROOT, "%s: %,d objects across %d variant(s), %d failed%n", failed == 0 ? "PASS" : "FAIL", total,
                variants.size(), failed);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private List<DeferVariant> variants() {
        return new ArrayList<>(FlowOptions.addVariants(spec, variantNames, EnumSet.noneOf(DeferVariant.class)));
    }
}
