package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.defer.Fixture.Obj;

/**
 * Hazard: a push races its target going offline and the object is left on the offline CPU's list with
 * nobody to flush it: listed, not taken by the offline drain, and the owner not woken. The decision-level
 * half of {@link DeferOfflineRace} (which runs the same race end to end on real CPU threads), on the
 * shipping lists over a test {@link Homes} that keeps each home's state with the modes of {@code Cpu.state}.
 *
 * <p>The ordering decisions it covers:
 * <ul>
 *   <li>{@code Cpu.state}: the hotplug caller writes OFFLINE with smp_store_release ({@code Cpu.request});
 *       the CPU reads it with smp_load_acquire at the top of its loop and then runs the offline hooks
 *       (the lists' drain, {@code flushOn}). One actor plays both here, in that program order. The
 *       producer's online check ({@code Homes.online}, i.e. {@code Cpu.isOnline}) is a READ_ONCE: a hint
 *       that may be stale, and decides nothing on its own.</li>
 *   <li>What does decide: the push and the drain's take-all are ordered by the defer lock (spin_lock
 *       acquire, spin_unlock release) for the locked lists, by cmpxchg (llist_add) against xchg
 *       (llist_del_all) for the lock-free ones; so the push either lands before the take (and is drained)
 *       or after it, on the list the take emptied, and then the push that makes an empty list non-empty
 *       wakes the owner ({@code wakeOwner}; the owner's wake itself is {@code InboxLostWakeup} and
 *       {@code InboxWakeMessage}). A woken CPU runs its idle hooks, which flush, in every state, offline
 *       included; the arbiter plays that flush.</li>
 * </ul>
 *
 * <p>Result columns: what {@code defer} returned ({@code 0} DEFERRED, {@code 2} LOCAL_OFFLINE), the
 * object's frees after the race, whether the owner was woken, and its frees after the woken owner's flush.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferOfflineFlush}
 */
public final class DeferOfflineFlush {

    private DeferOfflineFlush() {
    }

    /** Two homes, both online at first; {@code wake} recorded, and in the weakened form dropped for offline homes. */
    static final class TestHomes extends Homes {
        static final int ONLINE = 0;
        static final int OFFLINE = 1;
        private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);

        private final int[] state = new int[2];
        private final AtomicIntegerArray wakes = new AtomicIntegerArray(2);
        private final boolean wakeOnlineOnly;

        TestHomes(boolean wakeOnlineOnly) {
            this.wakeOnlineOnly = wakeOnlineOnly;
        }

        /** As {@code Cpu.request(OFFLINE)}: smp_store_release(&state, OFFLINE). */
        void offline(int home) {
            STATE.setRelease(state, home, OFFLINE);
        }

        @Override
        int count() {
            return 2;
        }

        @Override
        int node(int home) {
            return 0;
        }

        /** As {@code Cpu.isOnline()}: READ_ONCE(state) == ONLINE. */
        @Override
        boolean online(int home) {
            return (int) STATE.getOpaque(state, home) == ONLINE;
        }

        @Override
        void check(int home) {
            if (home < 0 || home >= 2) {
                throw new IllegalArgumentException("home " + home);
            }
        }

        @Override
        int kick(int home, CallSingleData csd) {
            return CallSingleData.SENT; // deferMax 64: no push here reaches the kick
        }

        @Override
        void wake(int home) {
            if (wakeOnlineOnly && !online(home)) {
                return; // the weakening: an offline home is not woken, as if it ran nothing
            }
            wakes.incrementAndGet(home);
        }

        int wakes(int home) {
            return wakes.get(home);
        }

        @Override
        boolean quiet() {
            return true;
        }

        @Override
        int current(String what) {
            throw new IllegalStateException(what + ": the actors name their home");
        }
    }

    /** The race: CPU 0 defers an object of CPU 1 while CPU 1 goes offline and drains. */
    abstract static class Race {
        final TestHomes homes;
        final DeferLists<Obj> lists;
        final Obj obj = new Obj();

        Race(DeferVariant variant, boolean wakeOnlineOnly) {
            homes = new TestHomes(wakeOnlineOnly);
            lists = DeferLists.create(homes, 1, variant, LockKind.TTAS, o -> o.frees.incrementAndGet());
            obj.allocatedOn(1);
        }

        void produce(IIII_Result r) {
            r.r1 = lists.defer(0, obj);
        }

        void goOffline() {
            homes.offline(1); // the hotplug caller's release store of CPU 1's state
            lists.flushOn(1); // CPU 1, having seen it (acquire), runs its offline hook: the drain
        }

        void afterwards(IIII_Result r) {
            r.r2 = obj.frees.get();
            boolean woken = homes.wakes(1) > 0;
            r.r3 = woken ? 1 : 0;
            if (woken) {
                lists.flushOn(1); // the woken CPU runs its idle hooks, offline or not
            }
            r.r4 = obj.frees.get();
        }
    }

    /** The shipping PER_CPU_LOCKED lists (TTAS lock). */
    @JCStressTest
    @Outcome(id = "2, 1, 0, 1", expect = ACCEPTABLE, desc = "the producer saw CPU 1 offline and freed the object itself")
    @Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE,
            desc = "pushed before the drain took the list: drained; the wake finds nothing")
    @Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE,
            desc = "pushed after the drain, onto the emptied list: the wake makes the offline CPU flush it")
    @Outcome(id = "0, 0, 0, 0", expect = FORBIDDEN, desc = "listed, neither drained nor woken: stranded on the offline CPU")
    @Outcome(expect = FORBIDDEN, desc = "any other result: lost, freed twice, or a wake missing")
    @State
    public static class Locked extends Race {
        public Locked() {
            super(DeferVariant.PER_CPU_LOCKED, false);
        }

        @Actor
        public void producer(IIII_Result r) {
            produce(r);
        }

        @Actor
        public void hotplug() {
            goOffline();
        }

        @Arbiter
        public void owner(IIII_Result r) {
            afterwards(r);
        }
    }

    /** The shipping PER_CPU_LLIST lists (cmpxchg push, xchg take-all). */
    @JCStressTest
    @Outcome(id = "2, 1, 0, 1", expect = ACCEPTABLE, desc = "the producer saw CPU 1 offline and freed the object itself")
    @Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE,
            desc = "pushed before the drain's xchg: drained; the wake finds nothing")
    @Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE,
            desc = "pushed after the drain's xchg, onto the emptied list: the wake makes the offline CPU flush it")
    @Outcome(id = "0, 0, 0, 0", expect = FORBIDDEN, desc = "listed, neither drained nor woken: stranded on the offline CPU")
    @Outcome(expect = FORBIDDEN, desc = "any other result: lost, freed twice, or a wake missing")
    @State
    public static class Llist extends Race {
        public Llist() {
            super(DeferVariant.PER_CPU_LLIST, false);
        }

        @Actor
        public void producer(IIII_Result r) {
            produce(r);
        }

        @Actor
        public void hotplug() {
            goOffline();
        }

        @Arbiter
        public void owner(IIII_Result r) {
            afterwards(r);
        }
    }

    /**
     * Deliberately weakened: the shipping PER_CPU_LOCKED lists over homes that do not wake an offline home
     * (as a kernel's offline CPU, which runs nothing, or a producer that skips the wake because its target
     * is offline). The drain alone does not cover a push that passed the online check before the state
     * changed and lands after the take.
     */
    @JCStressTest
    @Outcome(id = {"2, 1, 0, 1", "0, 1, 1, 1", "0, 0, 1, 1"}, expect = ACCEPTABLE, desc = "as the shipping tests")
    @Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE,
            desc = "pushed before the drain took the list, the wake dropped: drained anyway")
    @Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "listed after the drain and the wake dropped: stranded on the offline CPU. Why an offline CPU is woken too")
    @Outcome(expect = FORBIDDEN, desc = "any other result: lost or freed twice")
    @State
    public static class WakeOnlineOnly extends Race {
        public WakeOnlineOnly() {
            super(DeferVariant.PER_CPU_LOCKED, true);
        }

        @Actor
        public void producer(IIII_Result r) {
            produce(r);
        }

        @Actor
        public void hotplug() {
            goOffline();
        }

        @Arbiter
        public void owner(IIII_Result r) {
            afterwards(r);
        }
    }
}
