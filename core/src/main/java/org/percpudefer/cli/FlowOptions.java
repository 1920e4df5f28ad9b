package org.percpudefer.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Ledger;
import org.percpudefer.defer.LockKind;
import org.percpudefer.net.Dma;
import org.percpudefer.net.Flow;
import org.percpudefer.net.FlowConfig;
import org.percpudefer.net.PagePool;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The set-up of the emulated flow, shared by {@code compare} and {@code run}. */
final class FlowOptions {

    @Option(names = "--cpus", paramLabel = "N",
            description = "Simulated CPUs, 1.." + MachineConfig.MAX_CPUS + "; the NIC polls on cpu0 (default: ${DEFAULT-VALUE}).")
    int cpus = 2;

    @Option(names = "--reader-cpu", paramLabel = "N",
            description = "The reader's CPU, 0..cpus-1; 0 puts it on the NIC's CPU, as without RFS (default: ${DEFAULT-VALUE}).")
    int readerCpu = 1;

    @Option(names = "--defer-max", paramLabel = "N",
            description = "net.core.skb_defer_max, 0.." + FlowConfig.MAX_DEFER_MAX + "; 0 disables deferral (default: ${DEFAULT-VALUE}).")
    int deferMax = DeferLists.DEFAULT_DEFER_MAX;

    @Option(names = "--gro-size", paramLabel = "BYTES",
            description = "Payload per skb, a multiple of 4096 up to " + FlowConfig.MAX_GRO_SIZE + " (default: ${DEFAULT-VALUE}).")
    int groSize = 64 << 10;

    @Option(names = "--rcvbuf", paramLabel = "BYTES",
            description = "Socket receive buffer, 4096.." + FlowConfig.MAX_RCVBUF + " (default: ${DEFAULT-VALUE}, tcp_rmem[2] in the seed).")
    long rcvbuf = 16L << 20;

    @Option(names = "--page-pool-size", paramLabel = "PAGES",
            description = "Pages the NIC's page pool recycles, 0.." + FlowConfig.MAX_PAGE_POOL + " (default: ${DEFAULT-VALUE}).")
    int pagePoolSize = PagePool.DEFAULT_SIZE;

    @Option(names = "--lock", paramLabel = "KIND",
            description = "Defer lock of the locked variants: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LockKind lock = LockKind.TTAS;

    @Option(names = "--dma", paramLabel = "WHO",
            description = "Who writes the payload: HEADERS (the NIC's DMA; the CPU writes the lines it touches) or CPU"
                    + " (the NIC's CPU writes every byte) (default: ${DEFAULT-VALUE}).")
    Dma dma = Dma.HEADERS;

    @Option(names = "--pin", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pin each simulated CPU's thread to a core (default: on; --no-pin to leave placement to the OS).")
    boolean pin = true;

    @Option(names = "--accounting",
            description = "Check every skb's moves with a ledger: a double free, foreign skb or use after free fails the run"
                    + " at once, and each run ends with the ledger's proof (slower; default: off).")
    boolean accounting;

    /** @return the flow of {@code config}, started, in the accounting mode if asked for */
    Flow start(FlowConfig config) {
        return accounting ? Flow.start(config, new Ledger()) : Flow.start(config);
    }

    /**
     * @return the set-up for {@code variant}
     * @throws ParameterException naming the bad value
     */
    FlowConfig config(CommandSpec spec, DeferVariant variant) {
        check(spec, "--cpus", cpus, 1, MachineConfig.MAX_CPUS);
        check(spec, "--reader-cpu", readerCpu, 0, cpus - 1);
        check(spec, "--defer-max", deferMax, 0, FlowConfig.MAX_DEFER_MAX);
        check(spec, "--gro-size", groSize, 4096, FlowConfig.MAX_GRO_SIZE);
        if (groSize % 4096 != 0) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--gro-size': " + groSize
                    + " is not a whole number of 4096-byte fragments (allowed: 4096, 8192, .. " + FlowConfig.MAX_GRO_SIZE + ")");
        }
        check(spec, "--rcvbuf", rcvbuf, 4096, FlowConfig.MAX_RCVBUF);
        check(spec, "--page-pool-size", pagePoolSize, 0, FlowConfig.MAX_PAGE_POOL);
        try {
            return new FlowConfig(cpus, 0, readerCpu, groSize, rcvbuf, pagePoolSize, deferMax, variant, lock, pin, dma);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid set-up: " + e.getMessage());
        }
    }

    /**
     * Adds the variants named on {@code --variants} (any case, or {@code all}) to {@code set}.
     *
     * @return {@code set}
     * @throws ParameterException naming a name that is no variant
     */
    static EnumSet<DeferVariant> addVariants(CommandSpec spec, List<String> names, EnumSet<DeferVariant> set) {
        for (String name : names) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (n.equals("ALL")) {
                set.addAll(EnumSet.allOf(DeferVariant.class));
                continue;
            }
            try {
                set.add(DeferVariant.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "invalid value for option '--variants': '" + name
                        + "' is not a variant (allowed: " + EnumSet.allOf(DeferVariant.class) + ", or all)");
            }
        }
        return set;
    }

    static void check(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            String and = option.equals("--reader-cpu") ? ", and --cpus is " + (max + 1) : "";
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': " + value
                    + " is out of range (allowed: " + min + ".." + max + and + ")");
        }
    }
}
