package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * LKMM {@code MP+polocks} (Never) on the shipping defer locks other than TTAS ({@link MP_polocks} covers
 * TTAS): the lock holder must see what the previous holder wrote, and what it wrote before taking the
 * lock. This is what a locked defer list relies on when the owner takes the chain a producer pushed.
 * The hand-over orderings under test:
 * <ul>
 *   <li>{@code DeferLock.Ticket}: {@code next} taken with atomic_fetch_inc, {@code owner} advanced by the
 *       unlock with smp_store_release and spun on with smp_load_acquire;</li>
 *   <li>{@code McsLock}: the tail swapped with xchg, the predecessor's {@code Node.next} linked with
 *       smp_store_release and read with smp_load_acquire, the successor's {@code Node.locked} cleared with
 *       smp_store_release and spun on with smp_load_acquire (a holder that finds a successor still
 *       linking itself waits for the link: when p1 queues behind p0, that path runs);</li>
 *   <li>{@code ReentrantLock}: the JDK's lock, for completeness.</li>
 * </ul>
 * Result columns: r1 = y read under the lock, r2 = x read after it. Not yet here: weakened copies of the
 * ticket and MCS locks (opaque {@code owner}/{@code locked}); see concurrency-tests/README.md.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LockHandOver}
 */
public final class LockHandOver {

    private LockHandOver() {
    }

    /** The litmus shape, on one shipping lock. */
    abstract static class Shape {
        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                X = l.findVarHandle(Shape.class, "x", int.class);
                Y = l.findVarHandle(Shape.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DeferLock lock;
        @SuppressWarnings("unused") // X
        private int x;
        @SuppressWarnings("unused") // Y
        private int y;

        Shape(LockKind kind) {
            lock = DeferLock.of(kind, kind == LockKind.MCS ? McsLock.nodes(2) : null);
        }

        /** WRITE_ONCE(x, 1); lock; WRITE_ONCE(y, 1); unlock */
        void p0() {
            X.setOpaque(this, 1);
            lock.lock(0);
            Y.setOpaque(this, 1);
            lock.unlock(0);
        }

        /** lock; r1 = READ_ONCE(y); unlock; r2 = READ_ONCE(x) */
        void p1(II_Result r) {
            lock.lock(1);
            r.r1 = (int) Y.getOpaque(this);
            lock.unlock(1);
            r.r2 = (int) X.getOpaque(this);
        }
    }

    /** The ticket lock. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "p1 held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+polocks: Never. The ticket hand-over did not publish the previous holder's writes")
    @State
    public static class Ticket extends Shape {
        public Ticket() {
            super(LockKind.TICKET);
        }

        @Actor
        public void a0() {
            p0();
        }

        @Actor
        public void a1(II_Result r) {
            p1(r);
        }
    }

    /** The MCS queue lock. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "p1 held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+polocks: Never. The MCS hand-over did not publish the previous holder's writes")
    @State
    public static class Mcs extends Shape {
        public Mcs() {
            super(LockKind.MCS);
        }

        @Actor
        public void a0() {
            p0();
        }

        @Actor
        public void a1(II_Result r) {
            p1(r);
        }
    }

    /** {@code java.util.concurrent.locks.ReentrantLock}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "p1 held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+polocks: Never. The lock did not publish the previous holder's writes")
    @State
    public static class Reentrant extends Shape {
        public Reentrant() {
            super(LockKind.REENTRANT);
        }

        @Actor
        public void a0() {
            p0();
        }

        @Actor
        public void a1(II_Result r) {
            p1(r);
        }
    }
}
