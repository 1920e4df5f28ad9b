package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.percpudefer.defer.Fixture.Obj;

/**
 * Ladder, step 4 of the defer-list protocol: llist push (obj.next = READ_ONCE(head), then cmpxchg of the
 * head, {@code DeferNode.cmpxchgList}) against the owner's take-all (xchg, {@code DeferNode.xchgList}).
 * Hazard: an object lost or freed twice. Scenario, as {@link LlistPushTakeAll}: CPU 1 pushes {@code a}
 * then {@code b} while the owner takes all; a final take after both.
 *
 * <p>Rungs, strongest first: {@link LlistPushTakeAll.Shipping} (rung 1, the shipping PER_CPU_LLIST lists:
 * volatile cmpxchg, volatile xchg), {@link ReleaseAcquire} (the push's CAS release, the take's xchg
 * acquire), {@link PlainCas} (the push's CAS plain: atomic, unordered), {@link TakeGetThenSet} (the take
 * as READ_ONCE then WRITE_ONCE of null), {@link LlistPushTakeAll.WithoutCmpxchg} (the push as READ_ONCE
 * then a release store).
 *
 * <p><b>Weakest that still passes in theory: {@link ReleaseAcquire}.</b> Atomicity of the two
 * read-modify-writes on the head keeps every push on exactly one list (each RMW reads the latest value in
 * the head's modification order); the push's release orders {@code obj.next} before the new head, and the
 * take's acquire, reading that head, orders its walk after: message passing (LKMM
 * MP+pooncerelease+poacquireonce, Never). The kernel's fully ordered cmpxchg and xchg are stronger than
 * this pairing needs. <b>First that lets the hazard through: {@link PlainCas}</b>: the push's CAS stays
 * atomic, but nothing orders {@code b.next = a} before {@code head = b}, so the owner can take {@code b}
 * and walk a stale {@code next}: {@code a} is lost (MP+poonceonces, Sometimes). x86/HotSpot does not show
 * it (every CAS is a locked cmpxchg, TSO keeps stores in order); the atomicity rungs below it show their
 * hazards on any machine.
 *
 * <p>Result columns: objects the racing take-all freed; the frees of both objects after a final take
 * ({@code 11}: each exactly once).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LadderLlist}
 */
public final class LadderLlist {

    private LadderLlist() {
    }

    /** The copies' list: a head and the two objects CPU 1 pushes. */
    abstract static class Copy {
        static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(Copy.class, "head", Deferrable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Obj a = new Obj();
        final Obj b = new Obj();
        @SuppressWarnings("unused") // HEAD
        private Deferrable head;

        /** The shipping push: llist_add, volatile cmpxchg. */
        final void pushVolatile(Obj obj) {
            Deferrable h;
            do {
                h = (Deferrable) HEAD.getOpaque(this);
                obj.next = h;
            } while (!HEAD.compareAndSet(this, h, obj));
        }

        /** The shipping take: llist_del_all, volatile xchg. */
        final int takeVolatile() {
            return Fixture.freeAll((Deferrable) HEAD.getAndSet(this, null));
        }

        /** The final take, after both actors (jcstress orders the arbiter after them). */
        final void after(II_Result r) {
            takeVolatile();
            r.r2 = Fixture.frees(a, b);
        }
    }

    /**
     * Rung 2, a deliberately weakened copy: the push's CAS release ({@code weakCompareAndSetRelease} in
     * llist_add's retry loop), the take's xchg acquire ({@code getAndSetAcquire}). Theory: still passes
     * (see the class javadoc). x86/HotSpot: not seen, as theory says.
     */
    @JCStressTest
    @Outcome(id = {"0, 11", "1, 11", "2, 11"}, expect = ACCEPTABLE, desc = "the take got none, the first push, or both; each freed once")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "an object lost or freed twice: theory forbids it with release/acquire; a sighting is a JVM bug")
    @State
    public static class ReleaseAcquire extends Copy {
        private void push(Obj obj) {
            Deferrable h;
            do {
                h = (Deferrable) HEAD.getOpaque(this);
                obj.next = h;
            } while (!HEAD.weakCompareAndSetRelease(this, h, obj));
        }

        @Actor
        public void cpu1() {
            push(a);
            push(b);
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = Fixture.freeAll((Deferrable) HEAD.getAndSetAcquire(this, null));
        }

        @Arbiter
        public void arbiter(II_Result r) {
            after(r);
        }
    }

    /**
     * Rung 3, a deliberately weakened copy: the push's CAS plain ({@code weakCompareAndSetPlain}: atomic,
     * orders nothing else), the take as shipped. The store {@code b.next = a} may become visible after
     * {@code head = b}: the take frees {@code b} alone and {@code a} is lost. x86/HotSpot: not expected
     * (the CAS is a locked cmpxchg and TSO keeps stores in order; only the compiler could sink the plain
     * store past it).
     */
    @JCStressTest
    @Outcome(id = {"0, 11", "1, 11", "2, 11"}, expect = ACCEPTABLE, desc = "the take got none, the first push, or both; each freed once")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "a lost: the take saw head = b before b.next = a. Why the push's cmpxchg must be (at least) a release")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "other damage from the unordered push")
    @State
    public static class PlainCas extends Copy {
        private void push(Obj obj) {
            Deferrable h;
            do {
                h = (Deferrable) HEAD.getOpaque(this);
                obj.next = h;
            } while (!HEAD.weakCompareAndSetPlain(this, h, obj));
        }

        @Actor
        public void cpu1() {
            push(a);
            push(b);
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = takeVolatile();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            after(r);
        }
    }

    /**
     * Rung 4, a deliberately weakened copy: the push as shipped, the take as READ_ONCE of the head, then
     * WRITE_ONCE of null (no xchg). A push between the two is overwritten: that object is lost.
     * x86/HotSpot: seen, it is a race window.
     */
    @JCStressTest
    @Outcome(id = {"0, 11", "1, 11", "2, 11"}, expect = ACCEPTABLE, desc = "no push fell between the read and the write")
    @Outcome(id = {"0, 1", "1, 10", "0, 0"}, expect = ACCEPTABLE_INTERESTING,
            desc = "a push lost (or both): it landed between the take's read and its write of null. Why llist_del_all is an xchg")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "other damage from the unsynchronized take")
    @State
    public static class TakeGetThenSet extends Copy {
        @Actor
        public void cpu1() {
            pushVolatile(a);
            pushVolatile(b);
        }

        @Actor
        public void owner(II_Result r) {
            Deferrable list = (Deferrable) HEAD.getAcquire(this);
            HEAD.setOpaque(this, null);
            r.r1 = Fixture.freeAll(list);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            after(r);
        }
    }
}
