package org.percpudefer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Sampler;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.net.Flow;
import org.percpudefer.net.FlowConfig;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The seed's experiment, the main job: one emulated TCP flow, each variant run {@code --runs} times
 * (interleaved, so that drift on a shared machine hits every variant alike), the mean throughput of
 * payload copied to user space, the ratio to {@code NONE}, and the reader CPU's profile side by side.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The seed's experiment: one TCP flow, NONE against PER_CPU_LOCKED (and --variants), "
                + "mean throughput over --runs runs, and the reader CPU's profile side by side."})
final class Compare implements Callable<Integer> {

    static final int MAX_RUNS = 1000;
    static final double MAX_SECONDS = 3600;
    /** Activities that make up the free path of the seed's profile (its lines marked (*)). */
    static final Set<Activity> FREE_PATH = EnumSet.of(Activity.FREE_SKB, Activity.FREE_PAGES, Activity.PAGE_SPILL,
            Activity.ZONE_LOCK_WAIT, Activity.SLAB_DEPOT);

    @Spec
    CommandSpec spec;

    @Mixin
    FlowOptions flow = new FlowOptions();

    @Option(names = "--variants", split = ",", paramLabel = "V",
            description = "Variants to add to NONE and PER_CPU_LOCKED, comma separated: ${COMPLETION-CANDIDATES}, or all.")
    List<String> extra = List.of();

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per variant, 1.." + MAX_RUNS + " (default: ${DEFAULT-VALUE}).")
    int runs = 10;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Measured time of each run, 0.01.." + (int) MAX_SECONDS + " (default: ${DEFAULT-VALUE}).")
    double duration = 2.5;

    @Option(names = "--warmup", paramLabel = "SECONDS",
            description = "An unmeasured run of each variant first, 0.." + (int) MAX_SECONDS + " (default: ${DEFAULT-VALUE}).")
    double warmup = 2;

    @Option(names = "--sample-hz", paramLabel = "HZ",
            description = "Profile samples per second, 1.." + Sampler.MAX_HZ + " (default: ${DEFAULT-VALUE}).")
    int sampleHz = 2000;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as one JSON object to FILE.")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw throughput and profiles to FILE (.png or .svg).")
    Path plot;

    @Option(names = "--async-profiler", paramLabel = "DIR",
            description = "Also run async-profiler over the measured windows: collapsed stacks per variant in DIR,"
                    + " and the reader thread's hottest frames.")
    Path asyncProfilerDir;

    @Option(names = "--no-progress", description = "No progress bar (it is shown only on a terminal anyway).")
    boolean noProgress;

    private final PrintWriter out;

    Compare(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException, IOException {
        List<DeferVariant> variants = variants();
        FlowOptions.check(spec, "--runs", runs, 1, MAX_RUNS);
        checkSeconds("--duration", duration, 0.01);
        checkSeconds("--warmup", warmup, 0);
        FlowOptions.check(spec, "--sample-hz", sampleHz, 1, Sampler.MAX_HZ);
        List<FlowConfig> configs = new ArrayList<>();
        for (DeferVariant v : variants) {
            configs.add(flow.config(spec, v));
        }
        checkPlotPath(spec, plot); // the checks that touch the file system last, once the values are known good
        checkWritable("--json", json, "a file in an existing, writable folder");
        AsyncProfiling async = null;
        if (asyncProfilerDir != null) {
            if (Files.exists(asyncProfilerDir) && !Files.isDirectory(asyncProfilerDir)) {
                throw new ParameterException(spec.commandLine(), "invalid value for option '--async-profiler': '"
                        + asyncProfilerDir + "' is a file (allowed: a folder, created if missing)");
            }
            checkFolder("--async-profiler", asyncProfilerDir); // now, not after the runs: the stacks are written last
            try {
                async = AsyncProfiling.open(asyncProfilerDir);
            } catch (IllegalStateException e) {
                throw new ParameterException(spec.commandLine(), "invalid option '--async-profiler': " + e.getMessage());
            }
        }
        FlowConfig first = configs.get(0);
        header(first);

        List<Result> results = new ArrayList<>();
        for (FlowConfig c : configs) {
            results.add(new Result(c.variant()));
        }
        long window = (long) (duration * 1e9);
        long ramp = Math.min(TimeUnit.MILLISECONDS.toNanos(250), window / 4);
        int steps = (warmup > 0 ? configs.size() : 0) + runs * configs.size();
        try (ProgressBar bar = progress(steps)) {
            if (warmup > 0) {
                for (FlowConfig c : configs) {
                    Measurement.of(flow, c, 0, (long) (warmup * 1e9), 0, null);
                    step(bar);
                }
            }
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < configs.size(); i++) {
                    Measurement m = Measurement.of(flow, configs.get(i), ramp, window, sampleHz, async);
                    results.get(i).add(m, first.readerCpu());
                    if (r == 0 && i == 0) {
                        out.println("pinning: " + m.pinning());
                    }
                    step(bar);
                }
            }
        }
        out.println();
        table(results);
        profiles(results, first.readerCpu());
        counters(results);
        if (async != null) {
            out.println();
            async.report(out, first.readerCpu());
        }
        if (json != null) {
            writeJson(results, first);
            out.println("json: " + json);
        }
        if (plot != null) {
            Plot.write(plot, results, first.readerCpu());
            out.println("plot: " + plot);
        }
        out.flush();
        return 0;
    }

    private List<DeferVariant> variants() {
        EnumSet<DeferVariant> set = EnumSet.of(DeferVariant.NONE, DeferVariant.PER_CPU_LOCKED);
        return new ArrayList<>(FlowOptions.addVariants(spec, extra, set)); // NONE first: the baseline of every ratio
    }

    private void checkSeconds(String option, double value, double min) {
        if (!(value >= min && value <= MAX_SECONDS)) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': " + value
                    + " is out of range (allowed: " + min + ".." + (int) MAX_SECONDS + " seconds)");
        }
    }

    /** Rejects a plot path that is not .png/.svg in a writable folder, before any run starts. */
    private void checkPlotPath(CommandSpec spec, Path file) {
        if (file == null) {
            return;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".png") && !name.endsWith(".svg")) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--plot': '" + file
                    + "' is neither .png nor .svg (allowed: a .png or .svg file in an existing, writable folder)");
        }
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) { // a jlink'ed runtime without AWT
            throw new ParameterException(spec.commandLine(), "invalid value for option '--plot': '" + file
                    + "' cannot be drawn: this Java runtime has no java.desktop module (allowed: a JDK with java.desktop)");
        }
        checkWritable("--plot", file, "a .png or .svg file in an existing, writable folder");
    }

    private void checkWritable(String option, Path file, String allowed) {
        if (file == null) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file) || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)
                || (Files.exists(file) ? !Files.isWritable(file) : !canCreate(file))) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': '" + file
                    + "' cannot be written (allowed: " + allowed + ")");
        }
    }

    /**
     * Whether a file can be made there: creates it and deletes it again. The permission checks alone pass
     * where they do not apply (root, a file system such as /proc), and the results are written last.
     */
    private static boolean canCreate(Path file) {
        try {
            Files.delete(Files.createFile(file));
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Creates the folder (and its parents) if missing, and checks that a file can be made in it. */
    private void checkFolder(String option, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': '" + dir
                    + "' cannot be created (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ") (allowed: a writable folder, created if missing)");
        }
        boolean writable;
        try {
            Files.delete(Files.createTempFile(dir, ".percpu-defer-", ".probe"));
            writable = true;
        } catch (IOException | SecurityException e) {
            writable = false;
        }
        if (!writable) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': '" + dir
                    + "' cannot be written (allowed: a writable folder, created if missing)");
        }
    }

    private ProgressBar progress(int steps) {
        boolean show = !noProgress && System.console() != null;
        return show ? new ProgressBarBuilder().setTaskName("compare").setInitialMax(steps).build() : null;
    }

    private static void step(ProgressBar bar) {
        if (bar != null) {
            bar.step();
        }
    }

    private void header(FlowConfig c) {
        out.printf("percpu-defer compare: one TCP flow, NIC on cpu%d, reader on cpu%d of %d; %d-byte skbs (%d x 4096),"
                + " rcvbuf %d, page pool %d, skb_defer_max %d, lock %s, DMA %s%n", c.nicCpu(), c.readerCpu(), c.cpus(),
                c.groSize(), c.fragsPerSkb(), c.rcvbuf(), c.pagePoolSize(), c.deferMax(), c.lock(), c.dma());
        out.printf("%d run%s x %s s per variant, interleaved, after a %s s warm-up of each; profile at %d Hz%n", runs,
                runs == 1 ? "" : "s", num(duration), num(warmup), sampleHz);
        out.printf("JVM: %s %s; %d cores available%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        out.flush();
    }

    private void table(List<Result> rs) {
        double base = rs.get(0).mean();
        out.printf("%-16s %12s %8s %8s   %s%n", "variant", "mean Mbit/s", "spread", "x " + rs.get(0).variant, "runs (Mbit/s)");
        for (Result r : rs) {
            StringBuilder each = new StringBuilder();
            for (double v : r.mbits) {
                each.append(String.format(" %.0f", v));
            }
            out.printf("%-16s %12.0f %7.1f%% %8.2f  %s%n", r.variant, r.mean(), 100 * r.stdev() / r.mean(),
                    r.mean() / base, each);
        }
        out.println("(spread: standard deviation of the runs, as a share of their mean)");
        for (Result r : rs.subList(1, rs.size())) {
            double[] paired = r.pairedRatios(rs.get(0));
            out.printf("%s / %s run by run (each run beside its interleaved neighbour): median %.2f, min %.2f, max %.2f%n",
                    r.variant, rs.get(0).variant, median(paired), paired[0], paired[paired.length - 1]);
        }
        out.println();
    }

    private void profiles(List<Result> rs, int readerCpu) {
        out.printf("reader cpu%d: share of samples%n", readerCpu);
        StringBuilder head = new StringBuilder(String.format("  %-36s", "activity"));
        for (Result r : rs) {
            head.append(String.format(" %15s", r.variant));
        }
        out.println(head.toString().stripTrailing());
        for (Activity a : Activity.values()) {
            boolean shown = rs.stream().anyMatch(r -> r.share(a) >= 0.001);
            if (!shown) {
                continue;
            }
            StringBuilder row = new StringBuilder(String.format("  %-36s", (FREE_PATH.contains(a) ? "(*) " : "    ") + a.label()));
            for (Result r : rs) {
                row.append(String.format(" %14.1f%%", 100 * r.share(a)));
            }
            out.println(row.toString().stripTrailing());
        }
        StringBuilder row = new StringBuilder(String.format("  %-36s", "(*) free path, together"));
        for (Result r : rs) {
            row.append(String.format(" %14.1f%%", 100 * r.freePath()));
        }
        out.println(row.toString().stripTrailing());
        out.println();
    }

    private void counters(List<Result> rs) {
        StringBuilder head = new StringBuilder(String.format("%-34s", "per 1000 skbs read"));
        for (Result r : rs) {
            head.append(String.format(" %15s", r.variant));
        }
        out.println(head.toString().stripTrailing());
        for (Map.Entry<String, String> e : Result.COUNTERS.entrySet()) {
            StringBuilder row = new StringBuilder(String.format("  %-32s", e.getValue()));
            for (Result r : rs) {
                row.append(String.format(" %15.2f", r.per1000(e.getKey())));
            }
            out.println(row.toString().stripTrailing());
        }
        long corrupt = rs.stream().mapToLong(r -> r.counters.get("corrupt")).sum();
        out.printf("every skb and page accounted for at the end of every run; corrupt fragments: %d%n", corrupt);
    }

    private void writeJson(List<Result> rs, FlowConfig c) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "compare");
        root.put("date", Instant.now().toString());
        root.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        root.put("cores", Runtime.getRuntime().availableProcessors());
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("cpus", c.cpus());
        setup.put("nicCpu", c.nicCpu());
        setup.put("readerCpu", c.readerCpu());
        setup.put("groSize", c.groSize());
        setup.put("rcvbuf", c.rcvbuf());
        setup.put("pagePoolSize", c.pagePoolSize());
        setup.put("deferMax", c.deferMax());
        setup.put("lock", c.lock().name());
        setup.put("dma", c.dma().name());
        setup.put("pin", c.pin());
        setup.put("runs", runs);
        setup.put("durationSeconds", duration);
        setup.put("warmupSeconds", warmup);
        setup.put("sampleHz", sampleHz);
        root.put("setup", setup);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (Result r : rs) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", r.variant.name());
            v.put("runsMbitPerSec", r.mbits);
            v.put("meanMbitPerSec", r.mean());
            v.put("ratioToNone", r.mean() / rs.get(0).mean());
            v.put("pairedRatiosToNone", r.pairedRatios(rs.get(0)));
            Map<String, Object> profile = new LinkedHashMap<>();
            for (Activity a : Activity.values()) {
                profile.put(a.name(), r.share(a));
            }
            v.put("consumerProfile", profile);
            v.put("counters", r.counters);
            vs.add(v);
        }
        root.put("variants", vs);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String num(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    /** One run of one variant. */
    record Measurement(double mbits, Sampler.Profile profile, Flow.Report report, String pinning) {

        /**
         * Starts a flow, lets it ramp up, measures a window (sampling if {@code hz > 0}), stops it.
         */
        static Measurement of(FlowOptions flow, FlowConfig config, long rampNanos, long windowNanos, int hz,
                AsyncProfiling async) throws InterruptedException, IOException {
            Flow f = flow.start(config);
            long bytes;
            long nanos;
            Sampler.Profile profile;
            try {
                TimeUnit.NANOSECONDS.sleep(rampNanos); // the measuring thread waits; the CPUs work
                long b0 = f.bytesCopied();
                long t0 = System.nanoTime();
                if (async != null) {
                    async.start();
                }
                try (Sampler sampler = Sampler.start(f.machine(), Math.max(hz, 1))) {
                    TimeUnit.NANOSECONDS.sleep(windowNanos);
                    profile = sampler.stop();
                } finally {
                    if (async != null) {
                        async.stop(config.variant());
                    }
                }
                bytes = f.bytesCopied() - b0;
                nanos = System.nanoTime() - t0;
            } catch (InterruptedException | IOException | RuntimeException | Error e) {
                f.stop(60, TimeUnit.SECONDS); // nothing left running or unaccounted
                throw e;
            }
            Flow.Report report = f.stop(60, TimeUnit.SECONDS);
            return new Measurement(bytes * 8e3 / nanos, profile, report, f.machine().pinningSummary());
        }
    }
}
