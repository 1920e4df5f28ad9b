package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeferPoolTest {

    static final class Buf extends Pooled {
        final byte[] bytes = new byte[64];
    }

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    /** Runs {@code body} on the other thread and waits for it. */
    private <R> R there(java.util.concurrent.Callable<R> body) throws Exception {
        return other.submit(body).get(30, TimeUnit.SECONDS);
    }

    @Test
    void anOwnersRelease_goesToItsCache_andIsReused() {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { });

        Buf a = me.acquire();
        assertThat(a.inUse()).isTrue();
        me.release(a);
        assertThat(a.inUse()).isFalse();
        assertThat(me.acquire()).isSameAs(a);
        me.release(a);

        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(1);
        assertThat(s.dropped()).isEqualTo(1); // the owner's cache, given up when it closed
        assertThat(s.outstanding()).isZero();
    }

    /**
     * A pool its user drops while this (long-lived) thread is still registered must not stay reachable
     * through the thread's ThreadLocal map: the owner there references the pool, which references the
     * ThreadLocal, its key. Until 2026-12-07 it did (strong value), and jcstress' default mode, which makes a
     * pool per sample on two long-lived threads, ran out of heap in PoolLostKick.
     */
    @Test
    void aDroppedPool_isNotKeptByItsOwnersThread() {
        java.lang.ref.WeakReference<DeferPool<Buf>> pool = registerHereAndDrop();
        for (int i = 0; i < 100 && pool.get() != null; i++) {
            System.gc();
        }
        assertThat(pool.get()).as("the pool, reachable only from this thread's ThreadLocal map").isNull();
    }

    private static java.lang.ref.WeakReference<DeferPool<Buf>> registerHereAndDrop() {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { });
        me.release(me.acquire());
        assertThat(pool.acquire()).as("the ThreadLocal path finds this thread's owner").isNotNull();
        return new java.lang.ref.WeakReference<>(pool);
    }

    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    void aReleaseOnAnotherOwner_goesHome_andTheOwnerReusesIt(DeferVariant variant) throws Exception {
        handTenHomeAndBack(DeferPool.builder(Buf::new).deferMax(64).variant(variant, LockKind.TTAS).build());
    }

    /**
     * maxOwners and cacheSize are bounds: a pool costs memory for the owners that register, not for every
     * slot it allows. Until 2026-12-08 the pool made every slot's cache when it was built, and BATCHED every
     * owner's batch towards every other owner: at these bounds, 256 GB of caches and 4.3 billion batches,
     * an OutOfMemoryError however few owners registered.
     */
    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    void aPoolAtTheLargestBounds_costsOnlyWhatItsOwnersUse(DeferVariant variant) throws Exception {
        handTenHomeAndBack(DeferPool.builder(Buf::new).maxOwners(1 << 16).cacheSize(1 << 20)
                .variant(variant, LockKind.TTAS).build());
    }

    /** This thread acquires ten objects, the other thread releases them, this thread gets them back. */
    private void handTenHomeAndBack(DeferPool<Buf> pool) throws Exception {
        DeferPool.Owner<Buf> me = pool.register(() -> { });
        List<Buf> mine = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            mine.add(me.acquire());
        }

        there(() -> {
            DeferPool.Owner<Buf> worker = pool.register(() -> { });
            mine.forEach(worker::release);
            worker.drain(); // BATCHED: hand the batch over
            worker.close();
            return null;
        });

        takeBackAndClose(pool, me, mine);
        assertThat(pool.deferStats().get(1).deferred()).isEqualTo(10);
    }

    /**
     * The owner {@code me}, its cache empty, acquires as many objects as {@code mine} holds and gets
     * exactly those (the first acquire takes its list home); then every object is accounted for at close.
     */
    private static void takeBackAndClose(DeferPool<Buf> pool, DeferPool.Owner<Buf> me, List<Buf> mine) {
        List<Buf> again = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            again.add(me.acquire());
        }
        assertThat(again).containsExactlyInAnyOrderElementsOf(mine);
        again.forEach(me::release);
        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(mine.size());
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void aHalfFullList_kicksItsOwnerOnce_untilTheOwnerDrains() throws Exception {
        AtomicInteger kicks = new AtomicInteger();
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(8).build();
        DeferPool.Owner<Buf> me = pool.register(kicks::incrementAndGet);
        List<Buf> mine = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            mine.add(me.acquire());
        }
        DeferPool.Owner<Buf> worker = there(() -> pool.register(() -> { }));

        there(() -> {
            mine.subList(0, 7).forEach(worker::release); // the 5th push finds 4 = deferMax / 2 waiting
            return null;
        });
        assertThat(kicks).hasValue(1);
        me.drain();
        there(() -> {
            mine.subList(7, 14).forEach(worker::release);
            return null;
        });
        assertThat(kicks).hasValue(2);
        there(() -> {
            worker.close();
            return null;
        });
        me.close();
        pool.close();
    }

    /**
     * A kick that throws (the owner's event loop shut down) is reported to the kicking thread's
     * uncaught-exception handler, and what ran it completes: the release (PER_CPU_*: the 5th push finds
     * deferMax / 2 waiting), or the releasing owner's close (BATCHED: its last batch of one, handed over
     * at close, crosses the half). Until 2026-12-08 the exception came out of release() with the object
     * already on the list, so a retry was a double release, and out of close() halfway through, the slot
     * still taken.
     */
    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    void aKickThatThrows_isReported_andWhatRanItCompletes(DeferVariant variant) throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(8).variant(variant, LockKind.TTAS).build();
        DeferPool.Owner<Buf> me = pool.register(() -> {
            throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
        });
        List<Buf> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mine.add(me.acquire());
        }
        List<Throwable> reported = new ArrayList<>();

        there(() -> {
            Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
            DeferPool.Owner<Buf> worker = pool.register(() -> { });
            mine.forEach(worker::release);
            worker.close();
            pool.register(() -> { }).close(); // the slot is free again
            return null;
        });
        assertThat(reported).singleElement().hasToString(
                "java.util.concurrent.RejectedExecutionException: event loop shut down");
        assertThat(pool.deferStats().get(1).kicks()).isEqualTo(1);

        takeBackAndClose(pool, me, mine); // all five came home
    }

    @ParameterizedTest
    @EnumSource(DeferPool.WhenFull.class)
    void aFullList_dropsOrKeepsTheObjectOnTheReleasingOwner(DeferPool.WhenFull policy) throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(2).whenFull(policy).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { });
        List<Buf> mine = List.of(me.acquire(), me.acquire(), me.acquire(), me.acquire(), me.acquire());

        int kept = there(() -> {
            DeferPool.Owner<Buf> worker = pool.register(() -> { });
            mine.forEach(worker::release); // 2 fit on my list, 3 do not
            int n = worker.cached();
            if (n > 0) {
                Buf again = worker.acquire();
                assertThat(mine).contains(again); // reused where it was released, owned here now
                worker.release(again);
            }
            worker.close();
            return n;
        });

        assertThat(kept).isEqualTo(policy == DeferPool.WhenFull.KEEP ? 3 : 0);
        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(5);
        assertThat(s.inFlight()).isEqualTo(0); // my close took my list home and dropped it
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void theDefaultDeferMax_isTheCacheSize_soEveryObjectThatFitsTheCacheGoesHome() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).cacheSize(8).build();
        AtomicInteger kicks = new AtomicInteger();
        DeferPool.Owner<Buf> me = pool.register(kicks::incrementAndGet);
        List<Buf> mine = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            mine.add(me.acquire());
        }

        there(() -> {
            DeferPool.Owner<Buf> worker = pool.register(() -> { });
            mine.forEach(worker::release); // 8 fit on my list (deferMax 8), the 9th is dropped
            worker.close();
            return null;
        });

        assertThat(kicks).hasValue(1); // at deferMax / 2
        assertThat(me.drain()).isEqualTo(8);
        assertThat(me.cached()).isEqualTo(8);
        List<Buf> again = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            again.add(me.acquire());
        }
        assertThat(mine).containsAll(again); // reused, not new
        again.forEach(me::release);
        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(9);
        assertThat(s.dropped()).isEqualTo(9); // 1 when my list was full, 8 from my cache when I closed
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void anOwnerUsedAfterThePoolClosed_throwsEvenFromItsCache() {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { });
        Buf a = me.acquire();
        me.release(a); // cached: the next acquire would not leave the fast path

        pool.close();

        assertThatThrownBy(me::acquire).isInstanceOf(IllegalStateException.class).hasMessage("the pool is closed");
        assertThatThrownBy(() -> me.release(a)).isInstanceOf(IllegalStateException.class).hasMessage("the pool is closed");
    }

    @Test
    void misuse_isReportedNamingTheProblem() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).build();
        DeferPool<Buf> otherPool = DeferPool.builder(Buf::new).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { });
        Buf a = me.acquire();
        me.release(a);

        assertThatThrownBy(() -> me.release(a)).isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
        assertThatThrownBy(() -> me.release(otherPool.acquire())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to another pool");
        assertThatThrownBy(() -> pool.register(() -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already an owner");
        Exception wrongThread = other.submit(() -> {
            try {
                me.acquire();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        }).get();
        assertThat(wrongThread).hasMessageContaining("an owner belongs to the thread that registered it");

        Buf b = me.acquire();
        Exception second = there(() -> {
            DeferPool.Owner<Buf> w = pool.register(() -> { });
            w.release(b);
            try {
                w.release(b);
                return null;
            } catch (IllegalStateException e) {
                return e;
            } finally {
                w.close();
            }
        });
        assertThat(second).hasMessageContaining("released twice");

        me.close();
        assertThatThrownBy(me::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("owner 0 is closed");
        pool.close();
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("the pool is closed");
        assertThatThrownBy(() -> pool.register(() -> { })).hasMessageContaining("the pool is closed");
    }

    @Test
    void anUnregisteredThread_getsNewObjects_andItsReleasesGoToTheGc() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).build();
        there(() -> {
            Buf a = pool.acquire();
            pool.release(a);
            assertThatThrownBy(() -> pool.release(a)).hasMessageContaining("released twice");
            return null;
        });
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(1);
        assertThat(s.dropped()).isEqualTo(1);
    }

    @Test
    void anOwnerThatEnded_withoutClosing_losesItsSlotToTheNextRegistration() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).maxOwners(1).build();
        Thread t = new Thread(() -> {
            DeferPool.Owner<Buf> o = pool.register(() -> { });
            o.release(o.acquire()); // one object in its cache, and the thread ends
        });
        t.start();
        t.join();

        DeferPool.Owner<Buf> me = pool.register(() -> { }); // the only slot: taken over from the dead thread
        me.release(me.acquire());
        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(2);
        assertThat(s.dropped()).isEqualTo(2);
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void anOwnerThatEnded_withItsObjectsStillOut_leaksNone() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(2).build();
        DeferPool.Owner<Buf> me = pool.register(() -> { }); // before the other thread ends: no takeover of its slot
        List<Buf> out = new ArrayList<>();
        Thread t = new Thread(() -> {
            DeferPool.Owner<Buf> o = pool.register(() -> { });
            for (int i = 0; i < 3; i++) {
                out.add(o.acquire()); // handed to this thread (join is the hand-off), and the owner's thread ends
            }
        });
        t.start();
        t.join();

        out.forEach(me::release); // two go home onto the dead owner's list (deferMax 2), the third is dropped
        me.close();
        DeferPool.Stats s = pool.close();
        assertThat(s.created()).isEqualTo(3);
        assertThat(s.inFlight()).isEqualTo(2);
        assertThat(s.dropped()).isEqualTo(1);
        assertThat(s.outstanding()).isZero();
        assertThat(s.cached()).isZero();
    }

    /** Simulated CPUs as owners: CPU 0 allocates, CPU 1 releases, the kick wakes CPU 0 to drain. */
    @Test
    void simulatedCpus_areOwners_andTheKickWakesTheOwnerCpu() throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(8).build();
        BlockingQueue<Buf> wire = new ArrayBlockingQueue<>(256);
        AtomicInteger reused = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean consumed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger releasedSoFar = new AtomicInteger();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(2);
        try (org.percpudefer.cpu.Machine m = org.percpudefer.cpu.Machine.boot(
                org.percpudefer.cpu.MachineConfig.of(2).withPin(false))) {
            m.host(0, new org.percpudefer.cpu.CpuTask() { // the allocating CPU
                DeferPool.Owner<Buf> me;
                final java.util.Set<Buf> first = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                int sent;

                @Override
                public int step(org.percpudefer.cpu.Cpu cpu) {
                    if (me == null) {
                        me = pool.register(cpu::wake); // a kick wakes this CPU, which drains on its next step
                    }
                    me.drain();
                    if (sent == 200) {
                        if (consumed.get()) {
                            me.drain();
                            me.close();
                            done.countDown();
                            return DONE;
                        }
                        return 0;
                    }
                    if (sent % 16 == 0 && releasedSoFar.get() < sent) {
                        return 0; // rounds of 16: wait (idle) until the consumer has released the last round
                    }
                    Buf b = me.acquire();
                    if (sent < 16) {
                        first.add(b);
                    } else if (first.contains(b)) {
                        reused.incrementAndGet();
                    }
                    wire.add(b);
                    sent++;
                    m.cpu(1).wake();
                    return 1;
                }
            });
            m.host(1, new org.percpudefer.cpu.CpuTask() { // the consuming CPU
                DeferPool.Owner<Buf> me;
                int released;

                @Override
                public int step(org.percpudefer.cpu.Cpu cpu) {
                    if (me == null) {
                        me = pool.register(() -> { });
                    }
                    Buf b = wire.poll();
                    if (b == null) {
                        if (released == 200) {
                            me.close();
                            consumed.set(true);
                            m.cpu(0).wake();
                            done.countDown();
                            return DONE;
                        }
                        return 0;
                    }
                    me.release(b);
                    released++;
                    releasedSoFar.incrementAndGet();
                    m.cpu(0).wake();
                    return 1;
                }
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        DeferPool.Stats s = pool.close();
        assertThat(reused.get()).as("objects that came home and were acquired again").isPositive();
        assertThat(s.created()).isLessThan(200);
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void badBuilderValues_areNamed() {
        assertThatThrownBy(() -> DeferPool.builder(Buf::new).maxOwners(0)).hasMessage("maxOwners 0 is out of range (allowed: 1..65536)");
        assertThatThrownBy(() -> DeferPool.builder(Buf::new).cacheSize(-1)).hasMessage("cacheSize -1 is out of range (allowed: 0..1048576)");
        assertThatThrownBy(() -> DeferPool.builder(Buf::new).deferMax(-1)).hasMessageContaining("deferMax -1 is out of range");
        assertThatThrownBy(() -> DeferPool.builder(Buf::new).variant(DeferVariant.NONE, LockKind.TTAS))
                .hasMessageContaining("variant NONE does not send objects home");
        Buf shared = new Buf();
        DeferPool<Buf> pool = DeferPool.builder(() -> shared).build();
        pool.acquire();
        assertThatThrownBy(pool::acquire).hasMessageContaining("an object it returned before");
    }

    /** A builder call that throws changes nothing (until 2026-12-08 a null lock kind left the variant set). */
    @Test
    void aBuilderCallThatThrows_leavesTheBuilderAsItWas() {
        DeferPool.Builder<Buf> b = DeferPool.builder(Buf::new).variant(DeferVariant.PER_CPU_LOCKED, LockKind.MCS);
        assertThatThrownBy(() -> b.variant(DeferVariant.BATCHED, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.variant(DeferVariant.NONE, LockKind.TTAS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxOwners(0)).isInstanceOf(IllegalArgumentException.class);
        DeferPool<Buf> pool = b.build();
        assertThat(pool.lists().variant()).isEqualTo(DeferVariant.PER_CPU_LOCKED);
        assertThat(pool.lists().lockKind()).isEqualTo(LockKind.MCS);
        assertThat(pool.lists().softnet).hasSize(DeferPool.DEFAULT_MAX_OWNERS);
    }

    /** Four owners hand objects around at random; at the end every object is somewhere, counted once. */
    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    void randomHandOffs_acrossFourOwners_conserveEveryObject(DeferVariant variant) throws Exception {
        DeferPool<Buf> pool = DeferPool.builder(Buf::new).deferMax(16).cacheSize(32)
                .whenFull(DeferPool.WhenFull.KEEP).variant(variant, LockKind.TTAS).build();
        int owners = 4;
        List<BlockingQueue<Buf>> inboxes = new ArrayList<>();
        for (int i = 0; i < owners; i++) {
            inboxes.add(new ArrayBlockingQueue<>(4096));
        }
        ExecutorService threads = Executors.newFixedThreadPool(owners);
        List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (int i = 0; i < owners; i++) {
            int id = i;
            done.add(CompletableFuture.supplyAsync(() -> {
                DeferPool.Owner<Buf> me = pool.register(() -> { });
                Random rnd = new Random(id);
                int held = 0;
                for (int step = 0; step < 50_000; step++) {
                    Buf b = inboxes.get(id).poll();
                    if (b != null) {
                        me.release(b); // someone else's, or ours back
                    }
                    if (rnd.nextInt(3) != 0) {
                        Buf mine = me.acquire();
                        if (!inboxes.get(rnd.nextInt(owners)).offer(mine)) {
                            me.release(mine);
                        }
                    }
                    if ((step & 1023) == 0) {
                        me.drain();
                    }
                }
                Buf b;
                while ((b = inboxes.get(id).poll()) != null) {
                    held++;
                    me.release(b);
                }
                me.drain();
                return held;
            }, threads));
        }
        CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        threads.shutdown();
        long stillQueued = inboxes.stream().mapToLong(BlockingQueue::size).sum();
        DeferPool.Stats s = pool.close();

        assertThat(s.created()).isPositive();
        assertThat(s.outstanding()).as("%s", s).isEqualTo(stillQueued); // acquired, queued, never released
        assertThat(s.created()).isEqualTo(s.dropped() + s.cached() + s.inFlight() + s.outstanding());
    }
}
