package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Ladder, step 1 of the defer-list protocol: the head of a locked list, written with WRITE_ONCE under the
 * defer lock ({@code SoftnetData.setDeferListOnce} in {@code LockedLists.spliceLocked}), and read by the
 * owner's lockless hint (READ_ONCE, {@code deferListOnce()} in {@code LockedLists.flushOwn}) before it
 * takes the lock. Hazard: the owner acts on a pushed object whose contents (written by the pushing CPU
 * before the push: the skb's {@code len} here, {@code next} in the real list) it cannot see yet, or finds
 * the list empty under the lock after the hint saw it full.
 *
 * <p>Rungs, strongest first: {@link Shipping} (SoftnetData's accessors and the shipping TTAS defer lock),
 * {@link PlainHint} (the hint a plain read), {@link HintWithoutLock} (the owner uses the object its hint
 * read, without taking the lock), {@link ProducerWithoutLock} (the push without the lock). The push racing
 * the whole shipping flush is {@link DeferPushFlush.PushVsFlush}; the push without the lock racing another
 * push is {@link DeferPushFlush.WithoutLock}.
 *
 * <p><b>Weakest that still passes in theory: {@link PlainHint}.</b> The hint only decides whether to take
 * the lock; everything the owner uses is read under it. If the hint saw the head, the pusher's critical
 * section cannot come after the owner's (the hint would then happen-before the write it read, which
 * happens-before consistency forbids even for plain reads), so it came before, and its unlock
 * happens-before the owner's lock: the owner sees the head and the contents. READ_ONCE is there for
 * liveness, which a one-shot test cannot show: a plain read in a polling loop may be hoisted and never see
 * the push (the LKMM's "no fusing"). <b>First that lets the hazard through: {@link HintWithoutLock}</b>
 * (and {@link ProducerWithoutLock}): a lockless observer is not ordered by the lock (LKMM
 * MP+polockonce+poacquiresilsil, Sometimes), and opaque accesses order nothing but their own variable
 * (MP+poonceonces, Sometimes).
 *
 * <p>Result columns: whether the owner's hint saw the push ({@code 1}); the {@code len} the owner read
 * from the object it took ({@code 1500}: the pusher's write; {@code 0}: stale; {@code -1}: the list was
 * empty under the lock after all).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LadderLockedHead}
 */
public final class LadderLockedHead {

    /** What the pushing CPU writes into the object before it pushes it (plain, as an skb's contents). */
    static final int LEN = 1500;

    private LadderLockedHead() {
    }

    /** A deferred object with contents the pushing CPU writes: plain, published by the push. */
    static final class Skb extends Deferrable {
        int len;
    }

    /**
     * Rung 1, shipping ordering: SoftnetData's own accessors (WRITE_ONCE of the head under the shipping
     * TTAS {@link DeferLock}, READ_ONCE as the owner's hint, then the list taken under the same lock), the
     * sequence of {@code LockedLists.spliceLocked} and {@code flushOwn}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the hint saw the empty list: this flush skipped (the kick or the next NET_RX covers the push)")
    @Outcome(id = "1, 1500", expect = ACCEPTABLE, desc = "the hint saw the push; the owner took it under the lock and read its contents")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "stale contents: the owner took the object under the lock and read len before the pusher's write")
    @Outcome(id = "1, -1", expect = FORBIDDEN, desc = "the hint saw the push but the list was empty under the lock")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class Shipping {
        final SoftnetData sd = Fixture.lists(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, 64).softnet[0];
        final Skb skb = new Skb();

        @Actor
        public void cpu1() {
            skb.len = LEN; // the contents, before the push
            DeferLock lock = sd.lock;
            lock.lock(1);
            try {
                skb.next = sd.deferListOnce();
                sd.setDeferListOnce(skb); // WRITE_ONCE under the lock
            } finally {
                lock.unlock(1);
            }
        }

        @Actor
        public void owner(II_Result r) {
            if (sd.deferListOnce() == null) { // the lockless hint: READ_ONCE
                return;
            }
            Deferrable list;
            DeferLock lock = sd.lock;
            lock.lock(0);
            try {
                list = sd.deferListOnce();
                sd.setDeferListOnce(null);
            } finally {
                lock.unlock(0);
            }
            r.r1 = 1;
            r.r2 = list == null ? -1 : ((Skb) list).len;
        }
    }

    /** The copies' head and its accesses (the lock is the state's monitor). */
    abstract static class Copy {
        static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(Copy.class, "head", Deferrable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Skb skb = new Skb();
        Deferrable head;

        /** The shipping push: contents, then the head under the lock. */
        final void pushLocked() {
            skb.len = LEN;
            synchronized (this) {
                skb.next = (Deferrable) HEAD.getOpaque(this);
                HEAD.setOpaque(this, skb);
            }
        }

        /** The shipping take, after a hint that saw the head: under the lock. */
        final void takeLocked(II_Result r) {
            Deferrable list;
            synchronized (this) {
                list = (Deferrable) HEAD.getOpaque(this);
                HEAD.setOpaque(this, null);
            }
            r.r1 = 1;
            r.r2 = list == null ? -1 : ((Skb) list).len;
        }
    }

    /**
     * Rung 2, a deliberately weakened copy: the hint a plain read (no READ_ONCE), the rest as shipped.
     * Theory: still passes (see the class javadoc: happens-before consistency and the lock); plain is
     * wrong only for liveness, in a loop. x86/HotSpot: not seen, as theory says.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the hint saw the empty list")
    @Outcome(id = "1, 1500", expect = ACCEPTABLE, desc = "the hint saw the push; taken under the lock, contents seen")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "stale contents or an empty list after the hint: the JMM forbids it even with a plain hint; a sighting is a JVM bug")
    @State
    public static class PlainHint extends Copy {
        @Actor
        public void cpu1() {
            pushLocked();
        }

        @Actor
        public void owner(II_Result r) {
            if (head == null) { // plain: may be hoisted out of a polling loop, but orders what it needs
                return;
            }
            takeLocked(r);
        }
    }

    /**
     * Rung 3, a deliberately weakened copy: the owner uses the object its READ_ONCE hint returned, without
     * the lock. The pusher's unlock orders its writes only for the next lock holder; the opaque hint is
     * not one, so it may see the head before the contents (LKMM MP+polockonce+poacquiresilsil, Sometimes;
     * the JMM does not count the address dependency from the head to {@code len}). x86/HotSpot: not
     * expected: TSO keeps the pusher's stores in order and the load of {@code len} needs the head first;
     * only a compiler that sinks the plain store of {@code len} past the opaque store of the head
     * (allowed; not seen in the runs recorded in the README) would show it.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the hint saw the empty list")
    @Outcome(id = "1, 1500", expect = ACCEPTABLE, desc = "the hint saw the push and its contents")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stale contents: the lockless reader saw the head before len. Why the owner takes the list under the lock")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "any other result (impossible: the hint read the object it uses)")
    @State
    public static class HintWithoutLock extends Copy {
        @Actor
        public void cpu1() {
            pushLocked();
        }

        @Actor
        public void owner(II_Result r) {
            Deferrable list = (Deferrable) HEAD.getOpaque(this); // READ_ONCE, and no lock after it
            if (list == null) {
                return;
            }
            r.r1 = 1;
            r.r2 = ((Skb) list).len;
        }
    }

    /**
     * Rung 4, a deliberately weakened copy: the push without the lock (contents plain, then WRITE_ONCE of
     * the head); the owner as shipped. Its lock synchronizes with no unlock of the pusher, so nothing
     * orders the contents before the head: LKMM MP+poonceonces, Sometimes. x86/HotSpot: not expected, as
     * for {@link HintWithoutLock}; a second pusher would also lose objects
     * ({@link DeferPushFlush.WithoutLock}).
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the hint saw the empty list")
    @Outcome(id = "1, 1500", expect = ACCEPTABLE, desc = "the hint saw the push; contents seen")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stale contents: the unlocked push published the head before len. Why the push holds the lock")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "any other result (an empty list after the hint: a coherence failure, not expected)")
    @State
    public static class ProducerWithoutLock extends Copy {
        @Actor
        public void cpu1() {
            skb.len = LEN;
            skb.next = (Deferrable) HEAD.getOpaque(this);
            HEAD.setOpaque(this, skb); // no lock
        }

        @Actor
        public void owner(II_Result r) {
            if (HEAD.getOpaque(this) == null) {
                return;
            }
            takeLocked(r);
        }
    }
}
