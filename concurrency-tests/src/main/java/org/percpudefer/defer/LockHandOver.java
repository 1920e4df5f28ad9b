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
 * Result columns: r1 = y read under the lock, r2 = x read after it.
 *
 * <p>{@link McsTwice}: the shipping MCS lock with one CPU taking it twice, so its node is queued again
 * after a hand-over (the node's {@code next} and {@code locked} reset with plain stores, published by the
 * tail's xchg; a node whose unlock finds a successor still linking waits for the link, so no late link
 * lands on the reused node). Weakened copies, the hand-over with READ_ONCE/WRITE_ONCE instead of
 * smp_load_acquire/smp_store_release: {@link TicketOnce} (the ticket's {@code owner}) and {@link McsOnce}
 * (the MCS node's {@code locked}). MP with opaque accesses is LKMM {@code MP+poonceonces} (Sometimes):
 * the holder's writes may not be visible when the next holder reads them. x86-TSO keeps stores in order
 * and loads in order, so those two are expected to show nothing there.
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
            this(DeferLock.of(kind, kind == LockKind.MCS ? McsLock.nodes(2) : null));
        }

        Shape(DeferLock lock) {
            this.lock = lock;
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

    /**
     * The shipping MCS lock, taken twice by CPU 0 (its node re-queued after its own unlock, perhaps behind
     * CPU 1's) and once by CPU 1; each holder increments x (READ_ONCE, then WRITE_ONCE) under the lock.
     * Columns: x as CPU 1 read it under the lock; x at the end.
     */
    @JCStressTest
    @Outcome(id = "0, 3", expect = ACCEPTABLE, desc = "CPU 1 held the lock first")
    @Outcome(id = "1, 3", expect = ACCEPTABLE, desc = "CPU 1 held it between CPU 0's two critical sections (both hand-overs)")
    @Outcome(id = "2, 3", expect = ACCEPTABLE, desc = "CPU 1 held it last")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost or a stale x read: the re-queued node broke the exclusion or the hand-over")
    @State
    public static class McsTwice {
        private static final VarHandle X;

        static {
            try {
                X = MethodHandles.lookup().findVarHandle(McsTwice.class, "x", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DeferLock lock = DeferLock.of(LockKind.MCS, McsLock.nodes(2));
        @SuppressWarnings("unused") // X
        private int x;

        private int increment(int cpu) {
            lock.lock(cpu);
            try {
                int v = (int) X.getOpaque(this);
                X.setOpaque(this, v + 1);
                return v;
            } finally {
                lock.unlock(cpu);
            }
        }

        @Actor
        public void cpu0() {
            increment(0);
            increment(0);
        }

        @Actor
        public void cpu1(II_Result r) {
            r.r1 = increment(1);
        }

        @Arbiter
        public void after(II_Result r) {
            r.r2 = (int) X.getOpaque(this);
        }
    }

    /**
     * A deliberately weakened copy of {@code DeferLock.Ticket}: {@code owner} advanced with WRITE_ONCE and
     * spun on with READ_ONCE (the ticket's atomic_fetch_inc kept). Nothing orders the holder's writes before
     * the hand-over, nor the next holder's reads after it.
     */
    static final class OnceTicket extends DeferLock {
        private static final VarHandle NEXT = handle(MethodHandles.lookup(), "next", int.class);
        private static final VarHandle OWNER = handle(MethodHandles.lookup(), "owner", int.class);
        @SuppressWarnings("unused")
        private int next;
        @SuppressWarnings("unused")
        private int owner;

        @Override
        boolean lock(int cpu) {
            int ticket = (int) NEXT.getAndAdd(this, 1);
            boolean contended = false;
            while ((int) OWNER.getOpaque(this) != ticket) { // READ_ONCE: the weakening (shipping: acquire)
                contended = true;
                Thread.onSpinWait();
            }
            return contended;
        }

        @Override
        void unlock(int cpu) {
            OWNER.setOpaque(this, (int) OWNER.getOpaque(this) + 1); // WRITE_ONCE: the weakening (shipping: release)
        }
    }

    /**
     * A deliberately weakened copy of {@code McsLock}: the successor's {@code locked} cleared with
     * WRITE_ONCE and spun on with READ_ONCE; the tail's xchg and the {@code next} link's release/acquire
     * kept. The lock is handed over without publishing the critical section.
     */
    static final class OnceMcs extends DeferLock {
        static final class Node {
            private static final VarHandle LOCKED = handle(MethodHandles.lookup(), "locked", int.class);
            private static final VarHandle NEXT = handle(MethodHandles.lookup(), "next", Node.class);
            @SuppressWarnings("unused")
            private int locked;
            @SuppressWarnings("unused")
            private Node next;
        }

        private static final VarHandle TAIL = handle(MethodHandles.lookup(), "tail", Node.class);
        private final Node[] nodes = {new Node(), new Node()};
        @SuppressWarnings("unused")
        private Node tail;

        @Override
        boolean lock(int cpu) {
            Node node = nodes[cpu];
            Node.NEXT.set(node, (Node) null);
            Node.LOCKED.set(node, 1);
            Node prev = (Node) TAIL.getAndSet(this, node);
            if (prev == null) {
                return false;
            }
            Node.NEXT.setRelease(prev, node);
            while ((int) Node.LOCKED.getOpaque(node) != 0) { // READ_ONCE: the weakening (shipping: acquire)
                Thread.onSpinWait();
            }
            return true;
        }

        @Override
        void unlock(int cpu) {
            Node node = nodes[cpu];
            Node next = (Node) Node.NEXT.getAcquire(node);
            if (next == null) {
                if (TAIL.compareAndSet(this, node, (Node) null)) {
                    return;
                }
                while ((next = (Node) Node.NEXT.getAcquire(node)) == null) {
                    Thread.onSpinWait();
                }
            }
            Node.LOCKED.setOpaque(next, 0); // WRITE_ONCE: the weakening (shipping: release)
        }
    }

    /** The MP shape on {@link OnceTicket}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "p1 held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "MP+poonceonces: Sometimes. p1 got the lock and y, yet not x: why the ticket's owner is release/acquire")
    @State
    public static class TicketOnce extends Shape {
        public TicketOnce() {
            super(new OnceTicket());
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

    /** The MP shape on {@link OnceMcs}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "p1 held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "MP+poonceonces: Sometimes. p1 got the lock and y, yet not x: why the MCS node's locked is release/acquire")
    @State
    public static class McsOnce extends Shape {
        public McsOnce() {
            super(new OnceMcs());
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
