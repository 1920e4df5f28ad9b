package org.percpudefer.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.HdrHistogram.Histogram;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The emulated machine's self-demo: boots N simulated CPUs, bounces IPIs between every ordered pair,
 * and prints the round-trip latency percentiles per pair and whether pinning took effect; once with the
 * target CPU polling (the IPI is found without a wakeup) and once with it parked (every IPI unparks a
 * thread, what a real IPI to an idle CPU costs).
 */
@Command(name = "ipi-demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Boot simulated CPUs and measure IPI round trips between every pair of them.")
final class IpiDemo implements Callable<Integer> {

    /** How the target CPU idles between IPIs. */
    enum Idle {
        /** Both runs, polling first. */
        both,
        /** The target spins, then yields, then parks: at this rate it is found polling. */
        polling,
        /** The target parks at once when idle: each IPI is a real wakeup. */
        parked
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--cpus", paramLabel = "N",
            description = "Simulated CPUs, 1.." + MachineConfig.MAX_CPUS + " (default: the cores available, ${DEFAULT-VALUE}).")
    int cpus = Math.min(MachineConfig.MAX_CPUS, Runtime.getRuntime().availableProcessors());

    @Option(names = "--nodes", paramLabel = "N", description = "Emulated NUMA nodes, 1..cpus (default: ${DEFAULT-VALUE}).")
    int nodes = 1;

    @Option(names = "--round-trips", paramLabel = "N",
            description = "Measured round trips per pair, 1.." + MAX_ROUNDS + " (default: ${DEFAULT-VALUE}).")
    int roundTrips = 10_000;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Unmeasured round trips per pair first, 0.." + MAX_ROUNDS + " (default: ${DEFAULT-VALUE}).")
    int warmup = 2_000;

    @Option(names = "--idle", paramLabel = "MODE",
            description = "How an idle target waits: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Idle idle = Idle.both;

    @Option(names = "--pairs", paramLabel = "WHICH",
            description = "Which pairs: all (every ordered pair), ring (each CPU to the next), auto (all up to "
                    + "4 CPUs, else ring) (default: ${DEFAULT-VALUE}).")
    Pairs pairs = Pairs.auto;

    @Option(names = "--no-pin", description = "Do not pin CPU threads to cores.")
    boolean noPin;

    /** Which pairs of CPUs bounce IPIs. */
    enum Pairs {
        /** Every ordered pair: N * (N - 1) of them. */
        all,
        /** Each CPU to the next one: N pairs, so many-core runs stay short. */
        ring,
        /** All up to 4 CPUs, else ring. */
        auto
    }

    static final int MAX_ROUNDS = 100_000_000;

    private final PrintWriter out;

    IpiDemo(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        checkRange("--round-trips", roundTrips, 1, MAX_ROUNDS);
        checkRange("--warmup", warmup, 0, MAX_ROUNDS);
        checkRange("--cpus", cpus, 1, MachineConfig.MAX_CPUS);
        checkRange("--nodes", nodes, 1, cpus);
        MachineConfig config = MachineConfig.of(cpus).withNodes(nodes).withPin(!noPin);

        out.printf("percpu-defer ipi-demo: IPI round trips between %d simulated CPU%s on %d node%s%n",
                cpus, cpus == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
        out.printf("JVM: %s %s (%s); %d cores available to it%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
        if (idle != Idle.parked) {
            run(config, "target polling: an idle CPU spins " + config.idleSpins() + " and yields "
                    + config.idleYields() + " rounds before it parks");
        }
        if (idle != Idle.polling) {
            run(config.withParkAtOnce(), "target parked: an idle CPU parks at once, so every IPI unparks a thread");
        }
        return 0;
    }

    private void run(MachineConfig config, String title) throws InterruptedException {
        Histogram all = new Histogram(1, RoundTrips.MAX_NANOS, 3);
        out.println();
        try (Machine machine = Machine.boot(config)) {
            out.println("pinning: " + machine.pinningSummary());
            out.println(title);
            out.printf("%d measured round trips per pair after %d warm-up; nanoseconds%n", roundTrips, warmup);
            out.printf("  %-14s %9s %9s %9s %9s %9s%n", "pair", "p50", "p90", "p99", "p99.9", "max");
            out.flush();
            boolean ring = pairs == Pairs.ring || (pairs == Pairs.auto && cpus > 4);
            for (int from = 0; from < cpus; from++) {
                for (int to = 0; to < cpus; to++) {
                    // no self pairs, except a CPU alone, which measures IPIs to itself; ring: the next CPU only
                    if ((from == to && cpus > 1) || (ring && to != (from + 1) % cpus)) {
                        continue;
                    }
                    RoundTrips trips = new RoundTrips(machine, from, to, warmup, roundTrips);
                    machine.host(from, trips);
                    Histogram h = trips.await();
                    all.add(h);
                    row("cpu" + from + " -> cpu" + to, h);
                }
            }
        }
        row("all pairs", all);
        out.flush();
    }

    private void row(String label, Histogram h) {
        out.printf("  %-14s %9d %9d %9d %9d %9d%n", label, h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    private void checkRange(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': " + value
                    + " is out of range (allowed: " + min + ".." + max
                    + (option.equals("--nodes") ? ", and --cpus is " + cpus : "") + ")");
        }
    }
}
