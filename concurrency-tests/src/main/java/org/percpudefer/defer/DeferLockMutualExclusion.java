package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Hazard: a defer lock that lets two CPUs into the critical section, or whose unlock does not publish the
 * holder's writes (release) to the next holder (acquire). Each actor does a plain read-modify-write of a
 * plain field under the shipping lock; the arbiter reads it. Anything but 2 is a broken lock.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferLockMutualExclusion}
 */
public final class DeferLockMutualExclusion {

    private DeferLockMutualExclusion() {
    }

    /**
     * Shared shape: two CPUs increment under one lock. (jcstress 0.16 does not see {@code @Actor} methods
     * declared in a superclass, so each test below repeats its two actors and arbiter.)
     */
    abstract static class Base {
        final DeferLock lock;
        int counter; // plain: only touched under the lock

        Base(LockKind kind) {
            lock = DeferLock.of(kind, McsLock.nodes(2));
        }

        void increment(int cpu) {
            lock.lock(cpu);
            try {
                counter++;
            } finally {
                lock.unlock(cpu);
            }
        }
    }

    /** Test-and-test-and-set. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments, one after the other")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost: the lock let both in, or did not publish the first")
    @State
    public static class Ttas extends Base {
        public Ttas() {
            super(LockKind.TTAS);
        }

        @Actor
        public void cpu0() {
            increment(0);
        }

        @Actor
        public void cpu1() {
            increment(1);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = counter;
        }
    }

    /** Ticket lock. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments, in ticket order")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost")
    @State
    public static class Ticket extends Base {
        public Ticket() {
            super(LockKind.TICKET);
        }

        @Actor
        public void cpu0() {
            increment(0);
        }

        @Actor
        public void cpu1() {
            increment(1);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = counter;
        }
    }

    /** MCS queued lock, one node per CPU. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments, handed over through the queue")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost")
    @State
    public static class Mcs extends Base {
        public Mcs() {
            super(LockKind.MCS);
        }

        @Actor
        public void cpu0() {
            increment(0);
        }

        @Actor
        public void cpu1() {
            increment(1);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = counter;
        }
    }

    /** ReentrantLock behind the same interface. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost")
    @State
    public static class Reentrant extends Base {
        public Reentrant() {
            super(LockKind.REENTRANT);
        }

        @Actor
        public void cpu0() {
            increment(0);
        }

        @Actor
        public void cpu1() {
            increment(1);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = counter;
        }
    }

    /**
     * A deliberately weakened copy: a test-then-set "lock" (READ_ONCE, then WRITE_ONCE), the check and the
     * take not atomic. Both CPUs can see it free.
     */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "no overlap this time")
    @Outcome(id = "1", expect = ACCEPTABLE_INTERESTING,
            desc = "both inside: an increment lost. Why the shipping TTAS takes the lock with cmpxchg")
    @State
    public static class TestThenSet {
        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(TestThenSet.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused")
        private int locked;
        int counter;

        private void increment() {
            while ((int) LOCKED.getOpaque(this) != 0) {
                Thread.onSpinWait();
            }
            LOCKED.setOpaque(this, 1);
            counter++;
            LOCKED.setRelease(this, 0);
        }

        @Actor
        public void cpu0() {
            increment();
        }

        @Actor
        public void cpu1() {
            increment();
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = counter;
        }
    }
}
