package org.percpudefer.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Sampler;
import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.net.Flow;
import org.percpudefer.net.FlowConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * One variant, live: every interval, the flow's throughput and, per CPU, its softnet_stat-style defer
 * counters over the interval and what it was doing most.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "One variant of the flow, with live per-CPU counters (softnet_stat style) while it runs.")
final class RunFlow implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    FlowOptions flow = new FlowOptions();

    @Option(names = "--variant", paramLabel = "V",
            description = "How the reader frees skbs: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    DeferVariant variant = DeferVariant.PER_CPU_LOCKED;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "How long to run, 0.01.." + (int) Compare.MAX_SECONDS + " (default: ${DEFAULT-VALUE}).")
    double duration = 10;

    @Option(names = "--interval", paramLabel = "SECONDS",
            description = "Time between two reports, 0.01..duration (default: ${DEFAULT-VALUE}).")
    double interval = 1;

    private final PrintWriter out;

    RunFlow(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!(duration >= 0.01 && duration <= Compare.MAX_SECONDS)) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--duration': " + duration
                    + " is out of range (allowed: 0.01.." + (int) Compare.MAX_SECONDS + " seconds)");
        }
        if (!(interval >= 0.01 && interval <= duration)) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--interval': " + interval
                    + " is out of range (allowed: 0.01.." + duration + " seconds, the --duration)");
        }
        FlowConfig c = flow.config(spec, variant);
        out.printf("percpu-defer run: %s, NIC on cpu%d, reader on cpu%d of %d, skb_defer_max %d, lock %s, DMA %s%n",
                variant, c.nicCpu(), c.readerCpu(), c.cpus(), c.deferMax(), c.lock(), c.dma());
        out.println("per CPU and interval: deferred by it / freed locally by it / flushed on it / kick IPIs it got"
                + " / defer lock contended / its top activities");
        Flow f = flow.start(c);
        out.println("pinning: " + f.machine().pinningSummary());
        out.flush();
        int cpus = c.cpus();
        DeferStats[] before = new DeferStats[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            before[cpu] = f.lists().stats(cpu);
        }
        long end = System.nanoTime() + (long) (duration * 1e9);
        long bytes = f.bytesCopied();
        long t = System.nanoTime();
        long start = t;
        try {
            while (t < end) {
                Sampler.Profile p;
                try (Sampler sampler = Sampler.start(f.machine(), 2000)) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(end - t, (long) (interval * 1e9)));
                    p = sampler.stop();
                }
                long now = System.nanoTime();
                long b = f.bytesCopied();
                out.printf("%7.2f s  %9.0f Mbit/s%n", (now - start) / 1e9, (b - bytes) * 8e3 / (now - t));
                for (int cpu = 0; cpu < cpus; cpu++) {
                    DeferStats s = f.lists().stats(cpu);
                    DeferStats d = before[cpu];
                    out.printf("    cpu%-3d %8d %8d %8d %6d %6d  %s%n", cpu, s.deferred() - d.deferred(),
                            s.local() - d.local(), s.flushed() - d.flushed(), s.ipisReceived() - d.ipisReceived(),
                            s.locksContended() - d.locksContended(), top(p, cpu));
                    before[cpu] = s;
                }
                out.flush();
                bytes = b;
                t = now;
            }
        } finally {
            Flow.Report r = f.stop(60, TimeUnit.SECONDS);
            out.printf("done: %d skbs, %d bytes copied, %d corrupt fragments; every skb and page accounted for%n",
                    r.skbsRead(), r.bytesCopied(), r.corrupt());
            if (r.audit() != null) {
                out.println("ledger: " + r.audit());
            }
            out.flush();
        }
        return 0;
    }

    private static String top(Sampler.Profile p, int cpu) {
        StringBuilder sb = new StringBuilder();
        Arrays.stream(Activity.values()).filter(a -> p.share(cpu, a) >= 0.05)
                .sorted(Comparator.comparingDouble((Activity a) -> p.share(cpu, a)).reversed())
                .limit(3).forEach(a -> sb.append(String.format("%s %.0f%%  ", a.label(), 100 * p.share(cpu, a))));
        return sb.toString().stripTrailing();
    }
}
