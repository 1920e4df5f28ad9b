package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazards of the shipping {@link DeferPool} around its owners: an object released by another owner while
 * its owner acquires (it must come back exactly once: acquired, or still on its way home, never both and
 * never neither), and an object released to an owner that is closing (it must be dropped or stay on the
 * list until the pool closes, never lost, never counted twice).
 *
 * <p>Each test starts with one object of owner slot 0, in use, held by the releasing actor. Result columns:
 * whether the owner's acquire returned it ({@code 1}) and, after the pool is closed, how many times it was
 * found cached, in flight or dropped.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PoolOwnerRaces}
 */
public final class PoolOwnerRaces {

    private PoolOwnerRaces() {
    }

    static final class Obj extends Pooled {
    }

    /** A pool of two owner slots and one object of slot 0 in use. */
    abstract static class Base {
        final DeferPool<Obj> pool = DeferPool.builder(Obj::new).maxOwners(2).deferMax(4).build();
        final Obj obj = new Obj();

        Base() {
            obj.pool = pool;
            obj.allocatedOn(0);
            obj.setHolderOnce(Pooled.GUEST); // in use, held by no owner of this test: any release is a remote one
        }

        /** Registers the calling thread (slot 0 if it is first) and releases the object from there. */
        void releaseElsewhere() {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            me.release(obj);
            me.drain(); // BATCHED-proof: nothing of ours stays in an outgoing batch
        }

        int fate() {
            DeferPool.Stats s = pool.close();
            return (int) (s.cached() + s.inFlight() + s.dropped());
        }
    }

    /** Release by another owner racing the owner's acquire. */
    @JCStressTest
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the owner took it home and acquired it")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the owner acquired a new one; ours is cached, on the list or dropped")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "acquired and also still in the pool: it would be handed out twice")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "neither acquired nor anywhere in the pool: lost")
    @State
    public static class ReleaseVsAcquire extends Base {
        @Actor
        public void owner(II_Result r) {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            r.r1 = me.acquire() == obj ? 1 : 0;
        }

        @Actor
        public void releaser() {
            releaseElsewhere();
        }

        @Arbiter
        public void where(II_Result r) {
            r.r2 = fate();
        }
    }

    /** Release to an owner that is closing (its thread is ending). */
    @JCStressTest
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "dropped, kept or left on the closed owner's list and freed at close: once")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost")
    @Outcome(id = "0, 2", expect = FORBIDDEN, desc = "counted twice")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class ReleaseVsOwnerClose extends Base {
        @Actor
        public void owner() {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            me.close();
        }

        @Actor
        public void releaser() {
            releaseElsewhere();
        }

        @Arbiter
        public void where(II_Result r) {
            r.r1 = 0;
            r.r2 = fate();
        }
    }

    /**
     * An owner used after its pool closed, the close ordered before the use by the user's own hand-off (a
     * volatile flag here): the owner's thread check is a plain read of a field the pool's close nulls under
     * the slots' monitor, so the use must see null and throw. (A use racing the close is the caller's bug
     * and need not be caught.) Result columns: whether the owner registered before the close ({@code 1}),
     * and, when it saw the close's flag, whether its acquire threw ({@code 1}), didn't ({@code 0}), or it
     * did not see the flag ({@code -1}).
     *
     * <p>The ordering decisions under test: the pool's {@code closed} is WRITE_ONCE by close and READ_ONCE
     * by register (twice: before the monitor, and again under it); close nulls every registered owner's
     * plain {@code thread} under the slots' monitor, and register fills a slot ({@code Slot.owner}, plain)
     * under the same monitor, so one of the two critical sections comes first (lock acquire/release) and
     * either register's re-check sees the flag or close sees the new owner. {@link UseAfterCloseWithoutMonitor}
     * is a weakened copy without the monitor.
     */
    @JCStressTest
    @Outcome(id = {"1, 1", "1, -1"}, expect = ACCEPTABLE, desc = "registered before the close; an acquire after it threw, or it did not look")
    @Outcome(id = {"0, 1", "0, -1"}, expect = ACCEPTABLE, desc = "the close came first: registering threw")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "an acquire that happens-after the close succeeded: use after close went unnoticed")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class UseAfterClose {
        private static final java.lang.invoke.VarHandle CLOSED;

        static {
            try {
                CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(UseAfterClose.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DeferPool<Obj> pool = DeferPool.builder(Obj::new).maxOwners(1).build();
        @SuppressWarnings("unused") // CLOSED
        private boolean closed;

        @Actor
        public void closer() {
            pool.close();
            CLOSED.setVolatile(this, true); // the user's hand-off: the close happens-before what reads it
        }

        @Actor
        public void user(II_Result r) {
            DeferPool.Owner<Obj> me;
            try {
                me = pool.register(() -> { });
            } catch (IllegalStateException e) {
                r.r1 = 0;
                r.r2 = (boolean) CLOSED.getVolatile(this) ? 1 : -1;
                return;
            }
            r.r1 = 1;
            try {
                me.acquire(); // before or racing the close: may pass or throw
            } catch (IllegalStateException racedTheClose) {
                // allowed: the close may already be visible
            }
            if (!(boolean) CLOSED.getVolatile(this)) {
                r.r2 = -1;
                return;
            }
            try {
                me.acquire();
                r.r2 = 0;
            } catch (IllegalStateException e) {
                r.r2 = 1;
            }
        }
    }

    /**
     * A deliberately weakened copy of {@link UseAfterClose}: the same steps as {@code DeferPool.register}
     * and {@code DeferPool.close}, copied into a model of one slot, without the slots' monitor. Register
     * reads {@code closed} (READ_ONCE), finds it clear, and stores its new owner in the slot (plain); close
     * sets {@code closed} (WRITE_ONCE) and nulls the thread of whatever owner the slot holds (plain). With
     * nothing making the check and the store one step, a close can fall between them: it finds the slot
     * empty, and the owner registered after it lives on, so an acquire that happens-after the close passes
     * its thread check. A check-then-act race: it needs no reordering, so x86 shows it (were every access
     * here volatile, it would still happen). What the shipping pool's monitor prevents.
     */
    @JCStressTest
    @Outcome(id = {"1, 1", "1, -1"}, expect = ACCEPTABLE, desc = "registered before the close; an acquire after it threw, or it did not look")
    @Outcome(id = {"0, 1", "0, -1"}, expect = ACCEPTABLE, desc = "the close came first: registering threw")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "the close fell between register's check and its store: a use after close passed. Why register re-checks under the monitor")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class UseAfterCloseWithoutMonitor {
        private static final java.lang.invoke.VarHandle CLOSED;
        private static final java.lang.invoke.VarHandle USER_FLAG;

        static {
            try {
                java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
                CLOSED = l.findVarHandle(UseAfterCloseWithoutMonitor.class, "closed", boolean.class);
                USER_FLAG = l.findVarHandle(UseAfterCloseWithoutMonitor.class, "userFlag", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The copy's owner: the thread check of {@code DeferPool.Owner}, a plain field. */
        static final class Owner {
            Thread thread = Thread.currentThread();

            void acquire() {
                if (Thread.currentThread() != thread) {
                    throw new IllegalStateException("the pool is closed");
                }
            }
        }

        /** The pool's closed flag: WRITE_ONCE by close, READ_ONCE by register. */
        @SuppressWarnings("unused") // CLOSED
        private boolean closed;
        /** The one slot's owner: plain, as {@code Slot.owner}, but guarded by nothing. */
        private Owner slotOwner;
        /** The user's hand-off, as in {@link UseAfterClose}. */
        @SuppressWarnings("unused") // USER_FLAG
        private boolean userFlag;

        private Owner register() {
            if ((boolean) CLOSED.getOpaque(this)) {
                throw new IllegalStateException("the pool is closed");
            }
            Owner o = new Owner();
            slotOwner = o; // the shipping pool does this under the monitor, after re-checking closed there
            return o;
        }

        private void close() {
            CLOSED.setOpaque(this, true);
            Owner o = slotOwner; // the shipping pool reads the slots under the monitor
            if (o != null) {
                o.thread = null;
            }
        }

        @Actor
        public void closer() {
            close();
            USER_FLAG.setVolatile(this, true);
        }

        @Actor
        public void user(II_Result r) {
            Owner me;
            try {
                me = register();
            } catch (IllegalStateException e) {
                r.r1 = 0;
                r.r2 = (boolean) USER_FLAG.getVolatile(this) ? 1 : -1;
                return;
            }
            r.r1 = 1;
            try {
                me.acquire();
            } catch (IllegalStateException racedTheClose) {
                // allowed: the close may already be visible
            }
            if (!(boolean) USER_FLAG.getVolatile(this)) {
                r.r2 = -1;
                return;
            }
            try {
                me.acquire();
                r.r2 = 0;
            } catch (IllegalStateException e) {
                r.r2 = 1;
            }
        }
    }
}
