package org.percpudefer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.percpudefer.defer.DeferVariant;

import one.profiler.AsyncProfiler;

/**
 * {@code compare --async-profiler DIR}: async-profiler (its embedded native library, from Maven Central)
 * over every measured window, for a method-level view beside the emulator's own profile. Per variant it
 * writes the collapsed stacks of all threads ({@code DIR/VARIANT.collapsed}, for flamegraph.pl or
 * speedscope; each stack starts with its thread, {@code [cpu1 tid=...]}) and prints the reader thread's
 * hottest frames. It samples CPU time with perf events where the kernel allows, else with an interval
 * timer.
 */
final class AsyncProfiling {

    private final AsyncProfiler profiler;
    private final String event;
    private final Path dir;
    private final Map<DeferVariant, Map<String, Long>> stacks = new EnumMap<>(DeferVariant.class);

    private AsyncProfiling(AsyncProfiler profiler, String event, Path dir) {
        this.profiler = profiler;
        this.event = event;
        this.dir = dir;
    }

    /**
     * Loads async-profiler and finds an event it may use here.
     *
     * @return the profiler
     * @throws IllegalStateException naming why it cannot run here
     */
    static AsyncProfiling open(Path dir) {
        AsyncProfiler p;
        try {
            p = AsyncProfiler.getInstance();
        } catch (Throwable e) { // UnsatisfiedLinkError on a platform it has no library for
            throw new IllegalStateException("async-profiler cannot load here: " + e.getMessage());
        }
        List<String> failures = new ArrayList<>();
        for (String ev : List.of("cpu", "itimer")) {
            try {
                p.execute("start,event=" + ev + ",interval=1ms,threads");
                p.execute("stop");
                return new AsyncProfiling(p, ev, dir);
            } catch (IOException | RuntimeException e) {
                failures.add(ev + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("async-profiler cannot sample here (" + String.join("; ", failures) + ")");
    }

    String event() {
        return event;
    }

    void start() throws IOException {
        profiler.execute("start,event=" + event + ",interval=1ms,threads");
    }

    void stop(DeferVariant variant) throws IOException {
        profiler.execute("stop");
        Map<String, Long> sum = stacks.computeIfAbsent(variant, v -> new HashMap<>());
        for (String line : profiler.execute("collapsed").split("\n")) {
            int sp = line.lastIndexOf(' ');
            if (sp > 0) {
                sum.merge(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).trim()), Long::sum);
            }
        }
    }

    /** Writes each variant's collapsed stacks and prints the reader thread's top frames. */
    void report(PrintWriter out, int readerCpu) throws IOException {
        Files.createDirectories(dir);
        String thread = "[cpu" + readerCpu + " ";
        out.printf("async-profiler (event %s): the reader thread cpu%d's hottest frames (self time)%n", event, readerCpu);
        for (Map.Entry<DeferVariant, Map<String, Long>> e : stacks.entrySet()) {
            Path file = dir.resolve(e.getKey().name() + ".collapsed");
            Files.write(file, e.getValue().entrySet().stream().map(s -> s.getKey() + " " + s.getValue())
                    .collect(Collectors.toList()));
            Map<String, Long> self = new HashMap<>();
            long all = 0;
            for (Map.Entry<String, Long> s : e.getValue().entrySet()) {
                if (s.getKey().startsWith(thread)) {
                    String frame = s.getKey().substring(s.getKey().lastIndexOf(';') + 1);
                    self.merge(frame, s.getValue(), Long::sum);
                    all += s.getValue();
                }
            }
            out.printf("  %s (%d samples; all threads in %s)%n", e.getKey(), all, file);
            long total = all;
            self.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                    .forEach(f -> out.printf("    %6.2f%%  %s%n", 100.0 * f.getValue() / total, f.getKey()));
        }
        out.println();
    }
}
