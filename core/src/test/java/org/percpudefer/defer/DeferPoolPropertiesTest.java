package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.defer.DeferPool.WhenFull;
import org.percpudefer.defer.ModelCheck.Case;

/**
 * Property tests of {@link DeferPool}: generated sequences of owner operations against {@link PoolModel}.
 * An owner belongs to the thread that registered it, so each owner is a real thread (a single-thread
 * executor) that runs one operation at a time while the test thread waits for it: one operation runs at
 * a time, in the generated order, so a case is as deterministic as if one thread played every owner. See
 * {@link ModelCheck} for seeds, tries and shrinking.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeferPoolPropertiesTest {

    private static final int[] DEFER_MAX = {0, 1, 2, 3, 4, 8, DeferLists.DEFAULT_DEFER_MAX};
    private static final int[] CACHE = {0, 1, 2, 3, DeferPool.DEFAULT_CACHE};

    /** A pooled object numbered in the order the factory made it. */
    static final class Buf extends Pooled {
        final int id;

        Buf(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "#" + id;
        }
    }

    // ---------------------------------------------------------------- operations

    /**
     * One step of a generated sequence, run on one of the owner threads. Thread {@code t} registers slot
     * {@code t} at the start; a thread that closes its owner and registers again takes the lowest free
     * slot, which may be another thread's old one.
     */
    sealed interface Op permits Acquire, Release, ReleaseAgain, ReleaseForeign, Drain, Close, Register {
        int thread();
    }

    /** The thread's owner acquires an object. */
    record Acquire(int thread) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": acquire";
        }
    }

    /** The thread's owner releases an object in use (its own or another owner's): the {@code pick}-th, by age, of those in use. */
    record Release(int thread, int pick) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": release in-use object number " + pick + " (oldest first, modulo)";
        }
    }

    /** The thread's owner releases an object not in use (released before): IllegalStateException, nothing changes. */
    record ReleaseAgain(int thread, int pick) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": release again released object number " + pick + " (by id, modulo)";
        }
    }

    /** The thread's owner releases an object of another pool: IllegalArgumentException, nothing changes. */
    record ReleaseForeign(int thread) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": release another pool's object";
        }
    }

    /** The thread's owner drains: takes home what came back, hands its batches over. */
    record Drain(int thread) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": drain";
        }
    }

    /** The thread closes its owner: its cache and list are dropped, its slot freed. */
    record Close(int thread) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": close its owner";
        }
    }

    /** The thread registers (again): the lowest free slot; IllegalStateException if it is an owner already. */
    record Register(int thread) implements Op {
        @Override
        public String toString() {
            return "thread" + thread + ": register";
        }
    }

    /**
     * What a case runs on.
     *
     * @param variant   the pool's variant
     * @param lock      its lock kind (where it has one)
     * @param owners    owner threads, each in its own slot ({@code maxOwners} is this)
     * @param deferMax  the bound of each owner's list
     * @param cacheSize each owner's cache
     * @param whenFull  what a release does with an object its home cannot take
     */
    record Setup(DeferVariant variant, LockKind lock, int owners, int deferMax, int cacheSize, WhenFull whenFull) {
        @Override
        public String toString() {
            return variant + (variant.locked() ? "/" + lock : "") + ", " + owners + " owners, deferMax " + deferMax
                    + ", cacheSize " + cacheSize + ", " + whenFull;
        }
    }

    /** The pool's variants, each locked one with two lock kinds. */
    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS),
                Arguments.of(DeferVariant.PER_CPU_LOCKED, LockKind.MCS),
                Arguments.of(DeferVariant.PER_CPU_LLIST, LockKind.TTAS),
                Arguments.of(DeferVariant.BATCHED, LockKind.TTAS),
                Arguments.of(DeferVariant.BATCHED, LockKind.REENTRANT));
    }

    static Setup setup(SplittableRandom r, DeferVariant variant, LockKind lock) {
        return new Setup(variant, lock, 2 + r.nextInt(2), DEFER_MAX[r.nextInt(DEFER_MAX.length)],
                CACHE[r.nextInt(CACHE.length)], r.nextBoolean() ? WhenFull.DROP : WhenFull.KEEP);
    }

    static Op op(SplittableRandom r, int owners) {
        int o = r.nextInt(owners);
        int pick = r.nextInt(20);
        if (pick < 7) {
            return new Acquire(o);
        }
        if (pick < 14) {
            return new Release(o, r.nextInt(8));
        }
        return switch (pick) {
            case 14, 15 -> new Drain(o);
            case 16 -> new ReleaseAgain(o, r.nextInt(8));
            case 17 -> new ReleaseForeign(o);
            case 18 -> new Close(o);
            default -> new Register(o);
        };
    }

    static List<Op> simpler(Op op) {
        List<Op> out = new ArrayList<>();
        if (op instanceof Release r) {
            ModelCheck.smaller(r.pick(), 0).forEach(p -> out.add(new Release(r.thread(), p)));
        } else if (op instanceof ReleaseAgain r) {
            ModelCheck.smaller(r.pick(), 0).forEach(p -> out.add(new ReleaseAgain(r.thread(), p)));
        }
        return out;
    }

    /** Fewer owners (when no operation names the last), then the builder's defaults, one at a time. */
    static List<Setup> simpler(Setup s, List<Op> ops) {
        List<Setup> out = new ArrayList<>();
        if (s.owners() > 2 && ops.stream().allMatch(op -> op.thread() < s.owners() - 1)) {
            out.add(new Setup(s.variant(), s.lock(), s.owners() - 1, s.deferMax(), s.cacheSize(), s.whenFull()));
        }
        if (s.whenFull() != WhenFull.DROP) {
            out.add(new Setup(s.variant(), s.lock(), s.owners(), s.deferMax(), s.cacheSize(), WhenFull.DROP));
        }
        if (s.cacheSize() != DeferPool.DEFAULT_CACHE) {
            out.add(new Setup(s.variant(), s.lock(), s.owners(), s.deferMax(), DeferPool.DEFAULT_CACHE, s.whenFull()));
        }
        if (s.deferMax() != DeferLists.DEFAULT_DEFER_MAX) {
            out.add(new Setup(s.variant(), s.lock(), s.owners(), DeferLists.DEFAULT_DEFER_MAX, s.cacheSize(), s.whenFull()));
        }
        return out;
    }

    // ---------------------------------------------------------------- the property

    /**
     * For each pool variant (the locked ones with two lock kinds), any owner count, {@code deferMax},
     * cache size and {@link WhenFull} policy: any sequence of acquires, releases (of one's own objects and of
     * other owners'), drains, owner closes and re-registrations, repeated releases and releases of another
     * pool's objects does what the model does. After every step: the object an acquire returns (from the
     * cache first, then what came home, then new), what a drain returns, the exception a misuse throws
     * (IllegalStateException for a repeated release or a closed owner, IllegalArgumentException for another
     * pool's object) with nothing changed, every owner's cache size, the kick callbacks each owner got, and
     * the lists' counters per owner. At {@link DeferPool#close()}: the {@link DeferPool.Stats} equal the
     * model's, and account for every object (created = dropped + cached + inFlight + outstanding). Over all
     * cases, each path the model knows was taken at least once.
     */
    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("variants")
    void generatedSequences_matchTheSequentialModel(DeferVariant variant, LockKind lock) {
        long[] seen = new long[8];
        int cases = ModelCheck.<Setup, Op>of("DeferPool " + variant + "/" + lock, r -> {
            Setup s = setup(r, variant, lock);
            int n = r.nextInt(61);
            List<Op> ops = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ops.add(op(r, s.owners()));
            }
            return new Case<>(s, ops);
        }, c -> run(c, seen)).simplerOps(DeferPoolPropertiesTest::simpler)
                .simplerSetups(c -> simpler(c.setup(), c.ops())).run();

        if (cases < ModelCheck.COVERAGE_CASES) {
            return; // a short replay (-Dpercpudefer.tries) checks its cases, not the generator's reach
        }
        assertThat(seen[PoolModel.FROM_CACHE]).as("acquired from the cache").isPositive();
        assertThat(seen[PoolModel.FROM_HOME]).as("acquired after a drain brought it home").isPositive();
        assertThat(seen[PoolModel.KEPT]).as("kept by the releasing owner").isPositive();
        assertThat(seen[PoolModel.DROPPED]).as("dropped").isPositive();
        assertThat(seen[PoolModel.KICKS]).as("kicks").isPositive();
        assertThat(seen[PoolModel.IN_FLIGHT]).as("in flight at close").isPositive();
        assertThat(seen[PoolModel.MISUSE]).as("misuse reported").isPositive();
    }

    /**
     * The contract for an owner that takes over a slot: the first push that makes its list half full runs
     * its kick callback. The property's shrunk counterexample of a bug it found
     * (fixed in {@code DeferPool.retire}), by hand: the slot's first owner is kicked, closes without draining,
     * and the kick it never handled stayed "in flight" for the slot's next owner, which then got none.
     */
    @Test
    void reRegisteredOwner_isKickedWhenItsListIsHalfFull() {
        AtomicInteger made = new AtomicInteger();
        DeferPool<Buf> pool = DeferPool.builder(() -> new Buf(made.getAndIncrement())).maxOwners(2).deferMax(1).build();
        ExecutorService home = Executors.newSingleThreadExecutor();
        ExecutorService worker = Executors.newSingleThreadExecutor();
        AtomicInteger firstKicks = new AtomicInteger();
        AtomicInteger secondKicks = new AtomicInteger();
        try {
            DeferPool.Owner<Buf> first = on(home, () -> pool.register(firstKicks::incrementAndGet));
            Buf a = on(home, first::acquire);
            Buf b = on(home, first::acquire);
            DeferPool.Owner<Buf> w = on(worker, () -> pool.register(() -> { }));
            on(worker, () -> release(w, a)); // deferMax 1: the first push kicks
            assertThat(firstKicks).hasValue(1);
            on(home, () -> {
                first.close(); // kicked, never drained
                return null;
            });
            on(home, () -> pool.register(secondKicks::incrementAndGet)); // takes the only free slot, the first's

            on(worker, () -> release(w, b)); // home: the slot the second owner holds now

            assertThat(secondKicks).as("kick callbacks of the slot's new owner").hasValue(1); // 0: no kick, b waits
        } finally {
            home.shutdownNow();
            worker.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- running one case

    /** Runs one case against a pool and the model; adds what the model saw to {@code seen}. */
    static void run(Case<Setup, Op> c, long[] seen) {
        Setup s = c.setup();
        List<Buf> made = new ArrayList<>(); // by id; the factory runs on one owner thread at a time
        DeferPool<Buf> pool = DeferPool.builder(() -> {
            synchronized (made) {
                Buf b = new Buf(made.size());
                made.add(b);
                return b;
            }
        }).maxOwners(s.owners()).deferMax(s.deferMax()).cacheSize(s.cacheSize()).whenFull(s.whenFull())
                .variant(s.variant(), s.lock()).build();
        DeferPool<Buf> otherPool = DeferPool.builder(() -> new Buf(-1)).build();
        PoolModel model = new PoolModel(s);
        AtomicIntegerArray kicks = new AtomicIntegerArray(s.owners()); // callbacks run, by thread
        ExecutorService[] threads = new ExecutorService[s.owners()];
        @SuppressWarnings({"unchecked", "rawtypes"}) // an array of owners, by thread
        DeferPool.Owner<Buf>[] owners = new DeferPool.Owner[s.owners()];
        try {
            for (int t = 0; t < s.owners(); t++) {
                int thread = t;
                threads[t] = Executors.newSingleThreadExecutor();
                owners[t] = on(threads[t], () -> pool.register(() -> kicks.incrementAndGet(thread)));
            }
            for (int step = 0; step < c.ops().size(); step++) {
                Op op = c.ops().get(step);
                int t = op.thread();
                ExecutorService thread = threads[t];
                DeferPool.Owner<Buf> me = owners[t];
                String at = "step " + step + " (" + op + ")";
                if (op instanceof Register) {
                    if (model.slotOf[t] >= 0) {
                        assertThat(thrown(thread, () -> pool.register(() -> { }))).as(at)
                                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already an owner");
                        model.seen[PoolModel.MISUSE]++;
                        continue;
                    }
                    model.register(t);
                    owners[t] = on(thread, () -> pool.register(() -> kicks.incrementAndGet(t)));
                } else if (op instanceof Close) {
                    model.close(t);
                    on(thread, () -> {
                        me.close(); // a second close does nothing
                        return null;
                    });
                } else if (op instanceof Acquire) {
                    if (!refused(at, model, t, thread, me::acquire)) {
                        int want = model.acquire(t);
                        Buf got = on(thread, me::acquire);
                        assertThat(got.id).as(at + ": the object acquired").isEqualTo(want);
                    }
                } else if (op instanceof Drain) {
                    if (!refused(at, model, t, thread, me::drain)) {
                        int want = model.drain(t);
                        int got = on(thread, me::drain);
                        assertThat(got).as(at + ": objects moved").isEqualTo(want);
                    }
                } else if (op instanceof Release r) {
                    if (model.inUse.isEmpty()) {
                        continue;
                    }
                    int id = model.inUse.get(r.pick() % model.inUse.size());
                    at += ", object #" + id;
                    if (!refused(at, model, t, thread, () -> release(me, made.get(id)))) {
                        model.release(t, id);
                        on(thread, () -> release(me, made.get(id)));
                    }
                } else if (op instanceof ReleaseAgain r) {
                    List<Integer> released = model.released();
                    if (released.isEmpty()) {
                        continue;
                    }
                    Buf b = made.get(released.get(r.pick() % released.size()));
                    at += ", object " + b;
                    if (!refused(at, model, t, thread, () -> release(me, b))) {
                        assertThat(thrown(thread, () -> release(me, b))).as(at + ": released " + b + " twice")
                                .isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
                        model.seen[PoolModel.MISUSE]++;
                    }
                } else if (op instanceof ReleaseForeign) {
                    Buf foreign = otherPool.acquire();
                    if (!refused(at, model, t, thread, () -> release(me, foreign))) {
                        assertThat(thrown(thread, () -> release(me, foreign))).as(at)
                                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("belongs to another pool");
                        model.seen[PoolModel.MISUSE]++;
                    }
                }
                compare(at, model, pool, owners, kicks);
            }

            DeferPool.Stats want = model.closePool();
            DeferPool.Stats got = pool.close();
            assertThat(got).as("Stats at close").isEqualTo(want);
            assertThat(got.created()).as("created = dropped + cached + inFlight + outstanding")
                    .isEqualTo(got.dropped() + got.cached() + got.inFlight() + got.outstanding());
            assertThat(made).hasSize((int) got.created());
            for (int slot = 0; slot < s.owners(); slot++) {
                assertThat(DeferListsModel.comparable(pool.deferStats().get(slot))).as("counters of slot " + slot + " after close")
                        .isEqualTo(model.lists.stats(slot));
            }
            for (int k = 0; k < seen.length; k++) {
                seen[k] += model.seen[k];
            }
        } finally {
            for (ExecutorService t : threads) {
                if (t != null) {
                    t.shutdownNow();
                }
            }
        }
    }

    private static void compare(String at, PoolModel model, DeferPool<Buf> pool, DeferPool.Owner<Buf>[] owners,
            AtomicIntegerArray kicks) {
        for (int t = 0; t < owners.length; t++) {
            int slot = model.slotOf[t];
            if (slot >= 0) {
                assertThat(owners[t].cached()).as(at + ": objects in the cache of thread" + t + " (slot " + slot + ")")
                        .isEqualTo(model.cache.get(slot).size());
            }
            assertThat(kicks.get(t)).as(at + ": kick callbacks run on thread" + t + "'s owners").isEqualTo(model.kicks[t]);
        }
        for (int slot = 0; slot < owners.length; slot++) {
            assertThat(DeferListsModel.comparable(pool.deferStats().get(slot))).as(at + ": counters of slot " + slot)
                    .isEqualTo(model.lists.stats(slot));
        }
    }

    /**
     * A closed owner refuses everything with IllegalStateException, and nothing changes.
     *
     * @return whether the thread's owner is closed (and {@code body} was refused)
     */
    private static boolean refused(String at, PoolModel model, int t, ExecutorService thread, Callable<?> body) {
        if (model.slotOf[t] >= 0) {
            return false;
        }
        assertThat(thrown(thread, body)).as(at + ": on a closed owner").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        model.seen[PoolModel.MISUSE]++;
        return true;
    }

    private static Void release(DeferPool.Owner<Buf> me, Buf b) {
        me.release(b);
        return null;
    }

    /** Runs {@code body} on the owner's thread and waits for it; rethrows what it threw. */
    private static <R> R on(ExecutorService thread, Callable<R> body) {
        try {
            return thread.submit(body).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("an owner's step did not finish", e);
        }
    }

    /** @return what {@code body} threw on the owner's thread, or null */
    private static Throwable thrown(ExecutorService thread, Callable<?> body) {
        try {
            on(thread, body);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    // ---------------------------------------------------------------- the model

    /**
     * The sequential model of a {@link DeferPool}, from its class javadoc. Owners live in slots: each
     * slot's cache is a stack of object numbers; its defer list and the BATCHED batches are
     * {@link DeferListsModel}'s (a slot is a "CPU", online while an owner holds it); every object has a home
     * slot (the one that made it, or the one that kept it).
     * <ul>
     *   <li>acquire: pop the cache; if it is empty, drain, then pop; if still empty, a new object, at home here.</li>
     *   <li>release of an object at home here: onto the cache, or dropped if the cache is full.</li>
     *   <li>release of another slot's object: the lists' defer towards its home; whatever the lists free
     *       right here (home full, gone, deferral off) is kept here ({@code KEEP}, if the cache has room; at
     *       home here from then on) or dropped.</li>
     *   <li>drain: a kick in flight is handled, then the lists' flush; what comes home goes onto the cache,
     *       or is dropped if the cache is full.</li>
     *   <li>close: the slot goes offline and is free; its list (and, BATCHED, what its batches cannot hand
     *       over) and its cache are dropped.</li>
     *   <li>register: the lowest free slot, back online, with no kick in flight.</li>
     *   <li>a kick (the lists' IPI to a slot) runs the callback of the thread that holds the slot.</li>
     *   <li>pool close: whatever is on a list or in a batch is in flight; the rest is cached, dropped, or in use.</li>
     * </ul>
     */
    static final class PoolModel {
        static final int FROM_CACHE = 0;
        static final int FROM_HOME = 1;
        static final int KEPT = 2;
        static final int DROPPED = 3;
        static final int KICKS = 4;
        static final int IN_FLIGHT = 5;
        static final int MISUSE = 6;

        final Setup setup;
        final DeferListsModel lists;
        /** Each slot's cache, a stack: the last element is the next acquired. */
        final List<List<Integer>> cache = new ArrayList<>();
        /** Objects in use, oldest first. */
        final List<Integer> inUse = new ArrayList<>();
        /** Each object's home slot, by object number. */
        final List<Integer> home = new ArrayList<>();
        /** Each thread's slot, -1 while it is no owner; and each slot's thread, -1 while it is free. */
        final int[] slotOf;
        final int[] threadOf;
        /** Kick callbacks run, by thread. */
        final int[] kicks;
        private final int[] kicksSeen;
        long dropped;
        final long[] seen = new long[8];

        PoolModel(Setup setup) {
            this.setup = setup;
            this.lists = new DeferListsModel(setup.variant(), setup.owners(), 1, slot -> 0);
            this.lists.deferMax = setup.deferMax();
            this.slotOf = new int[setup.owners()];
            this.threadOf = new int[setup.owners()];
            this.kicks = new int[setup.owners()];
            this.kicksSeen = new int[setup.owners()];
            for (int i = 0; i < setup.owners(); i++) {
                slotOf[i] = i;
                threadOf[i] = i;
                cache.add(new ArrayList<>());
            }
        }

        int acquire(int thread) {
            int o = slotOf[thread];
            List<Integer> c = cache.get(o);
            int from = FROM_CACHE;
            if (c.isEmpty()) {
                drainSlot(o);
                from = FROM_HOME;
            }
            int id;
            if (c.isEmpty()) {
                id = home.size();
                home.add(o);
            } else {
                id = c.remove(c.size() - 1);
                seen[from]++;
            }
            inUse.add(id);
            kicked();
            return id;
        }

        void release(int thread, int id) {
            int o = slotOf[thread];
            inUse.remove(Integer.valueOf(id));
            if (home.get(id) == o) {
                cacheOrDrop(o, id);
                return;
            }
            List<Integer> freedHere = new ArrayList<>();
            lists.defer(o, id, home.get(id), freedHere);
            reclaim(o, freedHere);
            kicked();
        }

        int drain(int thread) {
            int n = drainSlot(slotOf[thread]);
            kicked();
            return n;
        }

        void close(int thread) {
            int o = slotOf[thread];
            if (o < 0) {
                return;
            }
            slotOf[thread] = -1;
            threadOf[o] = -1;
            lists.online[o] = false;
            List<Integer> freed = new ArrayList<>();
            lists.flush(o, freed); // BATCHED: its batches are handed over first, and may kick their targets
            dropped += freed.size() + cache.get(o).size();
            seen[DROPPED] += freed.size() + cache.get(o).size();
            cache.get(o).clear();
            kicked();
        }

        void register(int thread) {
            int o = 0;
            while (threadOf[o] >= 0) {
                o++;
            }
            slotOf[thread] = o;
            threadOf[o] = thread;
            lists.online[o] = true;
            lists.ipiScheduled[o] = false; // a new owner has no kick in flight
        }

        /** @return objects created and not in use, by number: in a cache, on a list, in a batch, or dropped */
        List<Integer> released() {
            List<Integer> out = new ArrayList<>();
            for (int id = 0; id < home.size(); id++) {
                if (!inUse.contains(id)) {
                    out.add(id);
                }
            }
            return out;
        }

        DeferPool.Stats closePool() {
            long cached = 0;
            for (List<Integer> c : cache) {
                cached += c.size();
            }
            long inFlight = lists.inFlight();
            seen[IN_FLIGHT] += inFlight;
            for (int k : kicks) {
                seen[KICKS] += k;
            }
            lists.drain(new ArrayList<>()); // the counters of close()'s drain
            return new DeferPool.Stats(home.size(), dropped, cached, inFlight, inUse.size());
        }

        private int drainSlot(int o) {
            if (lists.ipiScheduled[o]) {
                lists.ipiHandled(o);
            }
            List<Integer> freed = new ArrayList<>();
            int n = lists.flush(o, freed);
            reclaim(o, freed);
            return n;
        }

        /** The lists' new kick IPIs, each a callback on the thread that holds the slot. */
        private void kicked() {
            for (int o = 0; o < kicksSeen.length; o++) {
                int n = lists.ipisTo[o] - kicksSeen[o];
                if (n > 0) {
                    kicks[threadOf[o]] += n;
                    kicksSeen[o] = lists.ipisTo[o];
                }
            }
        }

        /** Objects the lists freed on slot {@code o}: home here, or a local fallback for another home. */
        private void reclaim(int o, List<Integer> freed) {
            for (int id : freed) {
                if (home.get(id) == o) {
                    cacheOrDrop(o, id);
                } else if (setup.whenFull() == WhenFull.KEEP && cache.get(o).size() < setup.cacheSize()) {
                    cache.get(o).add(id);
                    home.set(id, o);
                    seen[KEPT]++;
                } else {
                    dropped++;
                    seen[DROPPED]++;
                }
            }
        }

        private void cacheOrDrop(int o, int id) {
            if (cache.get(o).size() < setup.cacheSize()) {
                cache.get(o).add(id);
            } else {
                dropped++;
                seen[DROPPED]++;
            }
        }
    }
}
