package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.Harness.Obj;
import org.percpudefer.defer.ModelCheck.Case;

/**
 * Property tests of {@link DeferLists}: generated sequences of operations, played by the test thread acting
 * as each CPU in turn through the shipping producer and owner paths ({@code defer(cpu, obj)},
 * {@code flushOn(cpu)}), compared step by step with {@link DeferListsModel}. Deterministic and
 * reproducible: nothing runs but the test thread. See {@link ModelCheck} for seeds, tries and shrinking.
 *
 * <p>Two kinds of CPUs: those of a {@link Machine#detached detached} machine (the shipping wiring,
 * {@link DeferLists#install}; its CPUs cannot go offline, since {@link Machine#offline} waits for a CPU thread
 * that never runs, and the one kick IPI each CPU gets stays in its inbox), and {@link ScriptedCpus}, which the
 * test takes offline and online itself and whose kick IPIs it delivers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeferListsPropertiesTest {

    private static final int CPUS = 4;
    /** CPUs 0 and 1 on node 0, CPUs 2 and 3 on node 1 (as a machine numbers them). */
    private static final int NODES = 2;
    private static final int[] DEFER_MAX = {0, 1, 2, 3, 4, 5, 8, 12, 16, DeferLists.DEFAULT_DEFER_MAX};

    // ---------------------------------------------------------------- operations

    /** One step of a generated sequence. */
    sealed interface Op permits Defer, Flush, SetDeferMax, Offline, Online, Ipi {
    }

    /** CPU {@code on} defers a new object (numbered by its step) allocated on {@code allocCpu} (maybe out of range). */
    record Defer(int on, int allocCpu) implements Op {
        @Override
        public String toString() {
            return "cpu" + on + ": defer a new object allocated on cpu" + allocCpu;
        }
    }

    /** CPU {@code cpu} flushes (its NET_RX, or its idle hook): its batches handed over, its list freed. */
    record Flush(int cpu) implements Op {
        @Override
        public String toString() {
            return "cpu" + cpu + ": flush";
        }
    }

    /** The sysctl {@code net.core.skb_defer_max} changes. */
    record SetDeferMax(int max) implements Op {
        @Override
        public String toString() {
            return "deferMax = " + max;
        }
    }

    /** CPU {@code cpu} goes offline, and its offline hook flushes (skipped for the last online CPU). */
    record Offline(int cpu) implements Op {
        @Override
        public String toString() {
            return "cpu" + cpu + " goes offline (its offline hook flushes)";
        }
    }

    /** CPU {@code cpu} comes back online. */
    record Online(int cpu) implements Op {
        @Override
        public String toString() {
            return "cpu" + cpu + " comes online";
        }
    }

    /** CPU {@code cpu} runs the kick IPI in flight to it, if any: the handler, then NET_RX's flush. */
    record Ipi(int cpu) implements Op {
        @Override
        public String toString() {
            return "cpu" + cpu + ": runs its kick IPI, then NET_RX flushes";
        }
    }

    /**
     * What a case runs on.
     *
     * @param variant  the variant
     * @param lock     its lock kind (where it has one)
     * @param scripted {@link ScriptedCpus} (hotplug, IPIs delivered) rather than a detached machine
     */
    record Setup(DeferVariant variant, LockKind lock, boolean scripted) {
        @Override
        public String toString() {
            return variant + (variant.locked() ? "/" + lock : "") + (scripted ? " on scripted CPUs" : " on a detached machine")
                    + ", " + CPUS + " CPUs on " + NODES + " nodes";
        }
    }

    static Stream<Arguments> setups() {
        List<Arguments> all = new ArrayList<>();
        for (boolean scripted : new boolean[] {false, true}) {
            for (DeferVariant v : DeferVariant.values()) {
                for (LockKind k : v.locked() ? LockKind.values() : new LockKind[] {LockKind.TTAS}) {
                    all.add(Arguments.of(new Setup(v, k, scripted)));
                }
            }
        }
        return all.stream();
    }

    static Op op(SplittableRandom r, boolean scripted) {
        int pick = r.nextInt(scripted ? 20 : 17);
        if (pick < 12) {
            int on = r.nextInt(CPUS);
            int u = r.nextInt(20);
            int alloc = u == 0 ? -1 : u == 1 ? CPUS : r.nextInt(CPUS); // out of range now and then
            return new Defer(on, alloc);
        }
        if (pick < 15) {
            return new Flush(r.nextInt(CPUS));
        }
        if (pick < 17) {
            return new SetDeferMax(DEFER_MAX[r.nextInt(DEFER_MAX.length)]);
        }
        return switch (pick) {
            case 17 -> new Offline(r.nextInt(CPUS));
            case 18 -> new Online(r.nextInt(CPUS));
            default -> new Ipi(r.nextInt(CPUS));
        };
    }

    static List<Op> simpler(Op op) {
        List<Op> out = new ArrayList<>();
        if (op instanceof Defer d) {
            ModelCheck.smaller(d.on(), 0).forEach(on -> out.add(new Defer(on, d.allocCpu())));
            ModelCheck.smaller(d.allocCpu(), 0).forEach(a -> out.add(new Defer(d.on(), a)));
        } else if (op instanceof Flush f) {
            ModelCheck.smaller(f.cpu(), 0).forEach(c -> out.add(new Flush(c)));
        } else if (op instanceof SetDeferMax m) {
            for (int v : new int[] {0, 1, 2, m.max() / 2, m.max() - 1}) {
                if (v >= 0 && v < m.max()) {
                    out.add(new SetDeferMax(v));
                }
            }
        } else if (op instanceof Offline o) {
            ModelCheck.smaller(o.cpu(), 0).forEach(c -> out.add(new Offline(c)));
        } else if (op instanceof Online o) {
            ModelCheck.smaller(o.cpu(), 0).forEach(c -> out.add(new Online(c)));
        } else if (op instanceof Ipi i) {
            ModelCheck.smaller(i.cpu(), 0).forEach(c -> out.add(new Ipi(c)));
        }
        return out;
    }

    // ---------------------------------------------------------------- the property

    /**
     * For every variant and lock kind, on a detached machine and on scripted CPUs: any sequence of defers
     * (from any CPU, of objects allocated on any CPU or out of range), flushes, {@code deferMax} changes
     * (0, 1, small, default), and on scripted CPUs offline/online and kick IPIs, does what the sequential
     * model does. After every step: the return value of a defer (DEFERRED or which LOCAL_* reason) or a
     * flush (objects moved), exactly which objects that step freed (a local free frees the object on the
     * calling CPU; a flush frees what waits on that CPU's own lists), {@code queued(cpu)} of every CPU, and
     * every CPU's counters (deferred, each local reason, flushed, flushes, hand-overs, kicks, IPIs sent and
     * received, wakeups, max length; no lock ever contended). After {@code drain()} on the closed machine:
     * every object freed exactly once, nothing queued. Over all cases, each outcome the model knows happened
     * at least once, so the generator is not vacuous.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void generatedSequences_matchTheSequentialModel(Setup setup) {
        long[] seen = new long[16];
        int cases = ModelCheck.<Setup, Op>of("DeferLists " + setup, r -> {
            int n = r.nextInt(61);
            List<Op> ops = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ops.add(op(r, setup.scripted()));
            }
            return new Case<>(setup, ops);
        }, c -> run(c, seen)).simplerOps(DeferListsPropertiesTest::simpler).run();

        if (cases < ModelCheck.COVERAGE_CASES) {
            return; // a short replay (-Dpercpudefer.tries) checks its cases, not the generator's reach
        }
        DeferVariant v = setup.variant();
        if (v == DeferVariant.NONE) {
            assertThat(seen[DeferCounters.LOCAL_DISABLED]).isPositive();
            return;
        }
        assertThat(seen[DeferCounters.DEFERRED]).as("deferred").isPositive();
        assertThat(seen[DeferCounters.FLUSHED]).as("flushed").isPositive();
        assertThat(seen[DeferCounters.LOCAL_FULL]).as("local full").isPositive();
        assertThat(seen[DeferCounters.LOCAL_DISABLED]).as("local disabled").isPositive();
        if (v == DeferVariant.PER_SOCKET) {
            return;
        }
        assertThat(seen[DeferCounters.LOCAL_OWN]).as("local own").isPositive();
        assertThat(seen[DeferCounters.LOCAL_OFFLINE]).as("local offline").isPositive();
        assertThat(seen[DeferCounters.KICKS]).as("kicks").isPositive();
        assertThat(seen[DeferCounters.IPIS_SENT]).as("IPIs sent").isPositive();
        assertThat(seen[DeferCounters.WAKEUPS]).as("wakeups").isPositive();
        if (setup.scripted()) {
            assertThat(seen[DeferCounters.IPIS_RECEIVED]).as("IPIs received").isPositive();
        }
        if (v == DeferVariant.BATCHED) {
            assertThat(seen[DeferCounters.HANDOVERS]).as("hand-overs").isPositive();
        }
    }

    // ---------------------------------------------------------------- running one case

    /** Runs one case against the shipping lists and the model; adds the model's final counters to {@code seen}. */
    static void run(Case<Setup, Op> c, long[] seen) {
        Setup s = c.setup();
        List<Integer> freedNow = new ArrayList<>();
        List<Obj> objects = new ArrayList<>();
        Reclaimer<Obj> reclaimer = obj -> {
            obj.frees++;
            freedNow.add(obj.id);
        };
        ScriptedCpus scripted = null;
        Machine machine = null;
        DeferLists<Obj> lists;
        if (s.scripted()) {
            scripted = new ScriptedCpus(CPUS, NODES);
            lists = DeferLists.create(scripted, NODES, s.variant(), s.lock(), reclaimer);
        } else {
            machine = Machine.detached(MachineConfig.of(CPUS).withNodes(NODES));
            lists = DeferLists.install(machine, s.variant(), s.lock(), reclaimer);
            assertThat(machine.cpu(2).node()).isEqualTo(1);
        }
        DeferListsModel model = new DeferListsModel(s.variant(), CPUS, NODES, cpu -> cpu * NODES / CPUS);

        for (int step = 0; step < c.ops().size(); step++) {
            Op op = c.ops().get(step);
            String at = "step " + step + " (" + op + ")";
            List<Integer> expectFreed = new ArrayList<>();
            freedNow.clear();
            if (op instanceof Defer d) {
                if (!model.online[d.on()]) {
                    continue; // an offline CPU runs no task
                }
                Obj o = new Obj(step, d.allocCpu());
                objects.add(o);
                int want = model.defer(d.on(), step, d.allocCpu(), expectFreed);
                int got = lists.defer(d.on(), o);
                assertThat(reason(got)).as(at + ": return value").isEqualTo(reason(want));
            } else if (op instanceof Flush f) {
                int want = model.flush(f.cpu(), expectFreed);
                int got = lists.flushOn(f.cpu());
                assertThat(got).as(at + ": objects moved").isEqualTo(want);
            } else if (op instanceof SetDeferMax m) {
                model.deferMax = m.max();
                lists.setDeferMax(m.max());
            } else if (op instanceof Offline o) {
                if (!model.online[o.cpu()] || onlineCount(model) == 1) {
                    continue; // already offline, or the last online CPU, which the machine refuses
                }
                model.online[o.cpu()] = false;
                model.flush(o.cpu(), expectFreed);
                scripted.online[o.cpu()] = false;
                lists.flushOn(o.cpu()); // the offline hook
            } else if (op instanceof Online o) {
                model.online[o.cpu()] = true;
                scripted.online[o.cpu()] = true;
            } else if (op instanceof Ipi i) {
                assertThat(scripted.ipiQueued[i.cpu()]).as(at + ": a kick IPI in flight").isEqualTo(model.ipiScheduled[i.cpu()]);
                if (!model.ipiScheduled[i.cpu()]) {
                    continue;
                }
                model.ipiHandled(i.cpu());
                model.flush(i.cpu(), expectFreed);
                scripted.ipiQueued[i.cpu()] = false;
                lists.ipiHandled(i.cpu()); // trigger_rx_softirq: raise NET_RX, clear ipiScheduled
                lists.flushOn(i.cpu()); // NET_RX
            }
            compare(at, lists, model, expectFreed, freedNow);
        }

        // close() stops every CPU, so none is online any more: drain() frees BATCHED batches where they wait
        if (machine != null) {
            machine.close();
        } else {
            scripted.closed = true;
            java.util.Arrays.fill(scripted.online, false);
        }
        java.util.Arrays.fill(model.online, false);
        List<Integer> expectFreed = new ArrayList<>();
        freedNow.clear();
        int want = model.drain(expectFreed);
        int got = lists.drain();
        assertThat(got).as("drain(): objects moved").isEqualTo(want);
        compare("drain()", lists, model, expectFreed, freedNow);
        for (Obj o : objects) {
            assertThat(o.frees).as("frees of the object of step " + o.id).isEqualTo(1);
        }
        for (int cpu = 0; cpu < CPUS; cpu++) {
            assertThat(lists.queued(cpu)).as("queued(" + cpu + ") after drain()").isZero();
            long[] v = statsValues(model.stats(cpu));
            for (int i = 0; i < v.length; i++) {
                seen[i] += v[i];
            }
        }
    }

    private static void compare(String at, DeferLists<Obj> lists, DeferListsModel model, List<Integer> expectFreed,
            List<Integer> freedNow) {
        assertThat(sorted(freedNow)).as(at + ": objects freed (by the step that created them)").isEqualTo(sorted(expectFreed));
        for (int cpu = 0; cpu < CPUS; cpu++) {
            assertThat(lists.queued(cpu)).as(at + ": queued(" + cpu + ")").isEqualTo(model.queued(cpu));
        }
        for (int cpu = 0; cpu < CPUS; cpu++) {
            assertThat(DeferListsModel.comparable(lists.stats(cpu))).as(at + ": counters of cpu" + cpu).isEqualTo(model.stats(cpu));
        }
    }

    private static List<Integer> sorted(List<Integer> ids) {
        List<Integer> s = new ArrayList<>(ids);
        s.sort(null);
        return s;
    }

    private static int onlineCount(DeferListsModel model) {
        int n = 0;
        for (boolean b : model.online) {
            n += b ? 1 : 0;
        }
        return n;
    }

    static String reason(int r) {
        return switch (r) {
            case DeferLists.DEFERRED -> "DEFERRED";
            case DeferLists.LOCAL_OWN -> "LOCAL_OWN";
            case DeferLists.LOCAL_OFFLINE -> "LOCAL_OFFLINE";
            case DeferLists.LOCAL_FULL -> "LOCAL_FULL";
            case DeferLists.LOCAL_DISABLED -> "LOCAL_DISABLED";
            default -> "unknown " + r;
        };
    }

    /** The counters in DeferCounters' order. */
    private static long[] statsValues(DeferStats s) {
        long[] v = new long[16];
        v[DeferCounters.DEFERRED] = s.deferred();
        v[DeferCounters.LOCAL_OWN] = s.localOwn();
        v[DeferCounters.LOCAL_OFFLINE] = s.localOffline();
        v[DeferCounters.LOCAL_FULL] = s.localFull();
        v[DeferCounters.LOCAL_DISABLED] = s.localDisabled();
        v[DeferCounters.FLUSHED] = s.flushed();
        v[DeferCounters.FLUSHES] = s.flushes();
        v[DeferCounters.KICKS] = s.kicks();
        v[DeferCounters.IPIS_SENT] = s.ipisSent();
        v[DeferCounters.IPIS_RECEIVED] = s.ipisReceived();
        v[DeferCounters.WAKEUPS] = s.wakeups();
        v[DeferCounters.OVERSHOOTS] = s.overshoots(); // one push at a time: never, whatever the sysctl did
        v[DeferCounters.MAX_LENGTH] = s.maxLength();
        v[DeferCounters.HANDOVERS] = s.handovers();
        return v;
    }

    // ---------------------------------------------------------------- scripted CPUs

    /**
     * CPUs the test thread scripts: it takes them offline and online itself, and a kick IPI is recorded
     * (one in flight per CPU, as a machine's call-single-data) until the test runs it. Numbered onto nodes
     * as a {@link Machine} numbers its CPUs.
     */
    static final class ScriptedCpus extends Homes {
        final boolean[] online;
        final boolean[] ipiQueued;
        private final int nodes;
        boolean closed;

        ScriptedCpus(int cpus, int nodes) {
            this.online = new boolean[cpus];
            java.util.Arrays.fill(online, true);
            this.ipiQueued = new boolean[cpus];
            this.nodes = nodes;
        }

        @Override
        int count() {
            return online.length;
        }

        @Override
        int node(int home) {
            return home * nodes / online.length;
        }

        @Override
        boolean online(int home) {
            return online[home];
        }

        @Override
        void check(int home) {
            if (home < 0 || home >= online.length) {
                throw new IllegalArgumentException("cpu " + home + " is out of range");
            }
        }

        @Override
        int kick(int home, CallSingleData csd) {
            if (!online[home]) {
                return CallSingleData.OFFLINE;
            }
            if (ipiQueued[home]) {
                return CallSingleData.BUSY;
            }
            ipiQueued[home] = true;
            return CallSingleData.SENT;
        }

        @Override
        void wake(int home) {
            // nothing sleeps: the test thread plays every CPU
        }

        @Override
        boolean quiet() {
            return closed;
        }

        @Override
        int current(String what) {
            throw new IllegalStateException(what + ": the test calls defer(cpu, obj) and flushOn(cpu) directly");
        }
    }
}
