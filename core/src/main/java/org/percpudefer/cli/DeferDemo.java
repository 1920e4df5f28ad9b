package org.percpudefer.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Deferrable;
import org.percpudefer.defer.LockKind;
import org.percpudefer.net.SlabCache;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A two-CPU producer/consumer run of each defer variant, with their counters side by side. CPU 0 plays
 * the NIC's CPU: it allocates buffers from a slab cache, writes their payload and queues them on a
 * bounded socket queue, flushing its defer list before each poll. CPU 1 plays the application: it takes
 * each buffer, copies the payload out, and frees the buffer through the defer variant. A buffer freed on
 * CPU 1 goes into CPU 1's slab magazine, which spills to the shared depot under its lock, while CPU 0
 * runs dry and refills from it under the same lock: the seed's problem, in small.
 */
@Command(name = "defer-demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Two CPUs, producer and consumer: each defer variant's throughput and counters side by side.")
final class DeferDemo implements Callable<Integer> {

    /** A buffer that goes home on the defer lists. */
    static final class Buffer extends Deferrable {
        final byte[] payload;

        Buffer(int bytes) {
            payload = new byte[bytes];
        }
    }

    static final int MAX_OBJECTS = 1_000_000_000;
    static final int MAX_PAYLOAD = 1 << 20;
    static final int MAX_RUNS = 100;
    /** The most buffers the socket queue holds ({@code --rcvbuf / --payload}), as {@code net.Socket} caps its queue. */
    static final int MAX_QUEUED = 1 << 24;

    @Spec
    CommandSpec spec;

    @Option(names = "--variant", split = ",", paramLabel = "V",
            description = "Variants to run, comma separated: ${COMPLETION-CANDIDATES} (default: all).")
    List<DeferVariant> variants = List.of(DeferVariant.values());

    @Option(names = "--lock", paramLabel = "KIND",
            description = "Lock of the locked variants: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LockKind lock = LockKind.TTAS;

    @Option(names = "--objects", paramLabel = "N", description = "Buffers per run, 1.." + MAX_OBJECTS + " (default: ${DEFAULT-VALUE}).")
    int objects = 1_000_000;

    @Option(names = "--payload", paramLabel = "BYTES",
            description = "Payload bytes per buffer, 1.." + MAX_PAYLOAD + " (default: ${DEFAULT-VALUE}, one page).")
    int payload = 4096;

    @Option(names = "--rcvbuf", paramLabel = "BYTES",
            description = "Socket receive buffer: the most payload queued, 1.." + Integer.MAX_VALUE + ", at most "
                    + MAX_QUEUED + " buffers (default: ${DEFAULT-VALUE}, tcp_rmem[2] in the seed).")
    int rcvbuf = 16 << 20;

    @Option(names = "--defer-max", paramLabel = "N",
            description = "net.core.skb_defer_max, 0.." + Integer.MAX_VALUE + " (default: ${DEFAULT-VALUE}).")
    int deferMax = DeferLists.DEFAULT_DEFER_MAX;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per variant, averaged, 1.." + MAX_RUNS + " (default: ${DEFAULT-VALUE}).")
    int runs = 1;

    @Option(names = "--no-pin", description = "Do not pin the two CPU threads to cores.")
    boolean noPin;

    private final PrintWriter out;

    DeferDemo(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        check("--objects", objects, 1, MAX_OBJECTS);
        check("--payload", payload, 1, MAX_PAYLOAD);
        check("--rcvbuf", rcvbuf, 1, Integer.MAX_VALUE);
        check("--defer-max", deferMax, 0, Integer.MAX_VALUE);
        check("--runs", runs, 1, MAX_RUNS);
        int queued = Math.max(1, rcvbuf / payload);
        if (queued > MAX_QUEUED) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--rcvbuf': " + rcvbuf
                    + " queues " + queued + " buffers of --payload " + payload + " bytes (allowed: at most " + MAX_QUEUED
                    + " buffers, --rcvbuf <= " + (long) MAX_QUEUED * payload + " for this --payload)");
        }
        out.printf("percpu-defer defer-demo: cpu0 allocates and queues, cpu1 copies and frees; %d buffers of %d bytes,"
                + " %d queued at most, deferMax %d, lock %s, %d run%s each%n",
                objects, payload, queued, deferMax, lock, runs, runs == 1 ? "" : "s");
        out.printf("JVM: %s %s; %d cores available%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        List<Result> results = new ArrayList<>();
        for (DeferVariant variant : variants) {
            Result sum = null;
            for (int r = 0; r < runs; r++) {
                Result one = run(variant, queued);
                sum = sum == null ? one : sum.plus(one);
            }
            results.add(sum);
            out.printf("  %-15s %8.0f Mbit/s%n", variant, sum.mbits(payload, objects, runs));
            out.flush();
        }
        out.println();
        table(results, queued);
        return 0;
    }

    private Result run(DeferVariant variant, int queued) throws InterruptedException {
        Machine machine = Machine.boot(MachineConfig.of(2).withPin(!noPin));
        List<DeferStats> stats;
        SlabCache<Buffer> slab;
        DeferLists<Buffer> lists;
        long nanos;
        try {
            if (!pinningShown) {
                out.println("pinning: " + machine.pinningSummary());
                pinningShown = true;
            }
            slab = new SlabCache<>(2, 64, () -> new Buffer(payload));
            SlabCache<Buffer> cache = slab;
            lists = DeferLists.install(machine, variant, lock, b -> cache.free(Cpu.currentId(), b));
            lists.setDeferMax(deferMax);
            SpscAtomicArrayQueue<Buffer> socket = new SpscAtomicArrayQueue<>(queued);
            CountDownLatch done = new CountDownLatch(1);
            long start = System.nanoTime();
            machine.host(0, new Producer(machine, lists, slab, socket, objects, queued));
            machine.host(1, new Consumer(machine, lists, socket, objects, payload, variant, done));
            done.await();
            nanos = System.nanoTime() - start;
            stats = lists.stats();
        } finally {
            machine.close();
        }
        int left = lists.drain();
        return new Result(variant, nanos, DeferStats.total(stats), slab.depotLocks(), slab.depotContended(),
                slab.created(), left);
    }

    private boolean pinningShown;

    /** The NIC's CPU: one NAPI poll per step. */
    private static final class Producer implements CpuTask {
        private final Machine machine;
        private final DeferLists<Buffer> lists;
        private final SlabCache<Buffer> slab;
        private final SpscAtomicArrayQueue<Buffer> socket;
        private final int total;
        private final int capacity;
        private int produced;
        private byte seq;

        Producer(Machine machine, DeferLists<Buffer> lists, SlabCache<Buffer> slab,
                SpscAtomicArrayQueue<Buffer> socket, int total, int capacity) {
            this.machine = machine;
            this.lists = lists;
            this.slab = slab;
            this.socket = socket;
            this.total = total;
            this.capacity = capacity;
        }

        @Override
        public int step(Cpu cpu) {
            if (produced == total) {
                return DONE;
            }
            lists.flush(); // before each poll, as the kernel has done since 909876500251
            int n = 0;
            while (n < 64 && produced < total && socket.size() < capacity) {
                Buffer b = slab.alloc(0);
                b.recordAllocCpu();
                Arrays.fill(b.payload, seq++); // the NIC writes the payload
                socket.offer(b);
                produced++;
                n++;
            }
            if (n > 0) {
                machine.cpu(1).wake();
            }
            return n; // 0: the receive buffer is full, wait for the reader to wake us
        }
    }

    /** The application's CPU: one recvmsg per step. */
    private static final class Consumer implements CpuTask {
        private final Machine machine;
        private final DeferLists<Buffer> lists;
        private final SpscAtomicArrayQueue<Buffer> socket;
        private final int total;
        private final byte[] user;
        private final boolean releaseSockFlush;
        private final CountDownLatch done;
        private int consumed;
        private long checksum;

        Consumer(Machine machine, DeferLists<Buffer> lists, SpscAtomicArrayQueue<Buffer> socket, int total,
                int payload, DeferVariant variant, CountDownLatch done) {
            this.machine = machine;
            this.lists = lists;
            this.socket = socket;
            this.total = total;
            this.user = new byte[payload];
            this.releaseSockFlush = variant == DeferVariant.PER_SOCKET;
            this.done = done;
        }

        @Override
        public int step(Cpu cpu) {
            int n = 0;
            Buffer b;
            while (n < 64 && (b = socket.poll()) != null) {
                System.arraycopy(b.payload, 0, user, 0, user.length); // copy to user space
                checksum += user[user.length - 1];
                lists.attemptDeferFree(b);
                n++;
            }
            if (releaseSockFlush && n > 0) {
                lists.flush(); // 5.17: the socket's list is drained after release_sock()
            }
            consumed += n;
            if (n > 0) {
                machine.cpu(0).wake(); // room in the receive buffer
            }
            if (consumed == total) {
                done.countDown();
                return DONE;
            }
            return n;
        }

        @Override
        public String toString() {
            return "consumer checksum " + checksum;
        }
    }

    private record Result(DeferVariant variant, long nanos, DeferStats total, long depotLocks,
            long depotContended, long created, int leftAtClose) {
        Result plus(Result o) {
            return new Result(variant, nanos + o.nanos, DeferStats.total(List.of(total, o.total)),
                    depotLocks + o.depotLocks, depotContended + o.depotContended, created + o.created,
                    leftAtClose + o.leftAtClose);
        }

        double mbits(int payload, int objects, int runs) {
            return (double) payload * objects * runs * 8 / (nanos / 1e9) / 1e6;
        }
    }

    private void table(List<Result> rs, int queued) {
        long perRun = (long) objects * runs;
        String[] header = new String[rs.size()];
        for (int i = 0; i < rs.size(); i++) {
            header[i] = rs.get(i).variant().toString();
        }
        row("", header);
        Result base = rs.get(0);
        row("Mbit/s", rs, r -> String.format("%.0f", r.mbits(payload, objects, runs)));
        row("x " + base.variant(), rs, r -> String.format("%.2f", r.mbits(payload, objects, runs) / base.mbits(payload, objects, runs)));
        row("deferred %", rs, r -> pct(r.total().deferred(), perRun));
        row("local: own %", rs, r -> pct(r.total().localOwn(), perRun));
        row("local: full %", rs, r -> pct(r.total().localFull(), perRun));
        row("local: disabled %", rs, r -> pct(r.total().localDisabled(), perRun));
        row("local: offline", rs, r -> Long.toString(r.total().localOffline()));
        row("flushes", rs, r -> Long.toString(r.total().flushes()));
        row("objects/flush", rs, r -> r.total().flushes() == 0 ? "-" : String.format("%.1f", (double) r.total().flushed() / r.total().flushes()));
        row("batch hand-overs", rs, r -> Long.toString(r.total().handovers()));
        row("kicks", rs, r -> Long.toString(r.total().kicks()));
        row("IPIs sent", rs, r -> Long.toString(r.total().ipisSent()));
        row("wakeups of owner", rs, r -> Long.toString(r.total().wakeups()));
        row("defer locks /1k obj", rs, r -> per1k(r.total().locks(), perRun));
        row("  contended /1k", rs, r -> per1k(r.total().locksContended(), perRun));
        row("llist overshoots", rs, r -> Long.toString(r.total().overshoots()));
        row("longest list", rs, r -> Long.toString(r.total().maxLength()));
        row("slab depot locks /1k", rs, r -> per1k(r.depotLocks(), perRun));
        row("  contended /1k", rs, r -> per1k(r.depotContended(), perRun));
        row("buffers created", rs, r -> Long.toString(r.created()));
        row("drained after close", rs, r -> Integer.toString(r.leftAtClose()));
        out.printf("(%d buffer%s queued at most; per-CPU slab magazines of 64; counters summed over %d run%s)%n",
                queued, queued == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
        out.flush();
    }

    private void row(String label, List<Result> rs, java.util.function.Function<Result, String> cell) {
        String[] cells = new String[rs.size()];
        for (int i = 0; i < rs.size(); i++) {
            cells[i] = cell.apply(rs.get(i));
        }
        row(label, cells);
    }

    private void row(String label, String[] cells) {
        StringBuilder sb = new StringBuilder(String.format("%-22s", label));
        for (String c : cells) {
            sb.append(String.format(" %15s", c));
        }
        out.println(sb.toString().stripTrailing());
    }

    private static String pct(long part, long whole) {
        return String.format("%.1f", 100.0 * part / whole);
    }

    private static String per1k(long part, long whole) {
        return String.format("%.2f", 1000.0 * part / whole);
    }

    private void check(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ParameterException(spec.commandLine(),
                    "invalid value for option '" + option + "': " + value + " is out of range (allowed: " + min + ".." + max + ")");
        }
    }
}
