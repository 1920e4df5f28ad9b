package org.percpudefer.ordering;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * LKMM {@code Z6.0+pooncelock+pooncelock+pombonce}: Sometimes. The same two critical sections as
 * {@link ISA2_pooncelock_pooncelock_pombonce} (p0 writes x then y, p1 reads y then writes z), but the
 * lockless p2 now writes z and then, after smp_mb, reads x. p1 can see p0's section, p1's z can come
 * before p2's z in z's coherence order, and p2 can still miss x: two accesses ordered by one lock are
 * not necessarily seen in that order by a CPU that does not take it. The lock's ordering reaches outside
 * CPUs only for write-to-write (ISA2); here the link from p1 to p2 is a write overwritten by a write, which
 * the lock's cumulativity does not cover. (The kernel's variant with {@code smp_mb__after_spinlock()} in
 * p1 is Never.)
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_mb = {@link Barriers#smpMb()}, and spin_lock/spin_unlock = the shipping
 * {@link SpinLock}, the lock the vocabulary names as the kernel's spinlock (cmpxchg to take, release store
 * to drop; the TTAS {@code DeferLock} is this lock behind the defer-list interface). The final value of z
 * is read by the {@link Arbiter} after all three actors have finished.
 *
 * <p><b>The JMM, for this mapping: Sometimes too.</b>
 * As in ISA2, the JMM orders p0's section before p1's when p1 reads p0's y (the unlock's release store
 * read by the next cmpxchg), but p1's write of z is opaque and is only overwritten by p2's: a coherence
 * edge between opaque writes creates no happens-before, and p2's full fence has nothing on p1's side to
 * pair with. So the JMM allows {@code 1, 2, 0} as the LKMM does, and the outcome is
 * {@code ACCEPTABLE_INTERESTING}: it can never fail the build.
 *
 * <p>Hardware. x86-TSO cannot show it: TSO relaxes only a store followed by a later load, and the one such
 * pair in the cycle, p2's write of z and read of x, is fenced. Every other link keeps its order (p0's two
 * stores, p1's load of y before its store of z), so p2's z = 2 reaching memory before p2 read x = 0 would
 * put it before p0's x, before p0's y, before p1's read of y and before p1's z = 1, and z would end as 1.
 * AArch64 forbids it too: it is multi-copy atomic, so the release, the acquire, the coherence edge on z
 * and p2's full barrier form an ordered cycle it rules out. The LKMM's Sometimes is there for machines
 * whose unlock-then-lock is not a full barrier for outside CPUs, such as POWER's lwsync-based locks (the
 * kernel's powerpc defines {@code smp_mb__after_spinlock()} as a full {@code smp_mb()} for this reason).
 * On an x86 machine this test's interesting outcome is therefore expected never to appear; a sighting on
 * x86 would be a JVM bug.
 *
 * <p>Result columns, in the order of the kernel's {@code exists} clause: p1's {@code r0} (y, under the
 * lock), the final z (the arbiter), p2's {@code r1} (x). The kernel's {@code exists (1:r0=1 /\ z=2 /\
 * 2:r1=0)} is {@code 1, 2, 0}.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t Z6_0_pooncelock_pooncelock_pombonce}
 * (three actors: jcstress runs it only on a machine with at least three CPUs; see the module README).
 */
@JCStressTest
@Outcome(id = {"0, 1, 0", "0, 1, 1", "0, 2, 0", "0, 2, 1"}, expect = ACCEPTABLE,
        desc = "p1 held the lock first and missed y; either z last, p2 may or may not see x")
@Outcome(id = {"1, 1, 0", "1, 1, 1"}, expect = ACCEPTABLE,
        desc = "p0's section first; p1's z = 1 overwrote p2's z = 2")
@Outcome(id = "1, 2, 1", expect = ACCEPTABLE, desc = "p0's section first; p2's z = 2 last, and p2 sees p0's x")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE_INTERESTING,
        desc = "LKMM Z6.0+pooncelock+pooncelock+pombonce: Sometimes. p1 saw p0's section and p2's z came after p1's, yet p2 missed p0's x")
@State
public class Z6_0_pooncelock_pooncelock_pombonce {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");
    private static final VarHandle Z = Litmus.intField(MethodHandles.lookup(), "z");

    private final SpinLock mylock = new SpinLock();
    @SuppressWarnings("unused") // X
    private int x;
    @SuppressWarnings("unused") // Y
    private int y;
    @SuppressWarnings("unused") // Z
    private int z;

    /** spin_lock(mylock); WRITE_ONCE(x, 1); WRITE_ONCE(y, 1); spin_unlock(mylock) */
    @Actor
    public void p0() {
        mylock.lock();
        X.setOpaque(this, 1);
        Y.setOpaque(this, 1);
        mylock.unlock();
    }

    /** spin_lock(mylock); r0 = READ_ONCE(y); WRITE_ONCE(z, 1); spin_unlock(mylock) */
    @Actor
    public void p1(III_Result r) {
        mylock.lock();
        r.r1 = (int) Y.getOpaque(this);
        Z.setOpaque(this, 1);
        mylock.unlock();
    }

    /** WRITE_ONCE(z, 2); smp_mb(); r1 = READ_ONCE(x) */
    @Actor
    public void p2(III_Result r) {
        Z.setOpaque(this, 2);
        Barriers.smpMb();
        r.r3 = (int) X.getOpaque(this);
    }

    /** the kernel's final-state check of z, after every actor has finished */
    @Arbiter
    public void finalZ(III_Result r) {
        r.r2 = (int) Z.getOpaque(this);
    }
}
