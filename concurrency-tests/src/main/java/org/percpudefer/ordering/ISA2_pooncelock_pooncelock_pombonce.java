package org.percpudefer.ordering;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * LKMM {@code ISA2+pooncelock+pooncelock+pombonce}: Never. Two writes made in one critical section
 * (x, then y), a second critical section that saw y and then wrote z, and a third CPU that holds no lock:
 * once it has seen z it must see x too, provided it puts smp_mb between its two reads. The lock's
 * write-to-write ordering is visible to a CPU outside the lock.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_mb = {@link Barriers#smpMb()}, and spin_lock/spin_unlock = the shipping
 * {@link SpinLock}, the lock the vocabulary names as the kernel's spinlock (cmpxchg to take, release store
 * to drop; the TTAS {@code DeferLock} that {@code MP_polocks} uses is this lock behind the defer-list
 * interface).
 *
 * <p><b>The JMM, for this mapping, promises less than the LKMM.</b>
 * The JMM does order the two critical sections: if p1 read p0's y, p0's unlock (a release store) was read
 * by p1's cmpxchg, so everything p0 wrote happens-before p1's write of z. But p2 reads z with an opaque
 * read, which creates no happens-before edge with p1, and p2's full fence pairs with no fence or release in
 * p1 after the lock. So nothing in the JMM (JLS 17 with the JDK 9 access modes, which follow C/C++11's
 * relaxed atomics and fences) makes p0's x visible to p2 before p1's z: {@code 1, 1, 0} is allowed by
 * the JMM for this mapping. The LKMM's Never is cumulativity: it counts an unlock followed by a lock that
 * reads from it as a cumulative write-to-write fence (its {@code po-unlock-lock-po}), so x propagates to
 * every CPU before z does, and p2's smp_mb (a strong fence) keeps its read of x after its read of z. The
 * JMM's opaque mode has no such cumulativity.
 *
 * <p>On HotSpot the outcome cannot happen anyway. The JMM's own orderings are all the compiler must keep
 * here: p0's writes before its release store, p1's write of z after its cmpxchg, p2's two reads on either
 * side of the fence. The rest is the hardware's: x86-TSO, AArch64 and RISC-V (RVWMO) are multi-copy atomic
 * for other CPUs, so p0's x, visible before the release store that p1's cmpxchg read, is visible to every
 * CPU, p2 included, before p1 writes z; on POWER the lwsync before a release store and the sync of a full
 * fence are cumulative and give the same.
 * So {@code FORBIDDEN} here asserts the JVM and the hardware, not a JMM promise: a conforming JVM on a
 * machine without that cumulativity could show it. If it ever fails, that platform's locks do not order
 * their writes for CPUs outside the lock, and code in core must not rely on that order.
 *
 * <p>Result columns, in the order of the kernel's {@code exists} clause: p1's {@code r0} (y, under the
 * lock), p2's {@code r2} (z), p2's {@code r1} (x). The kernel's {@code exists (1:r0=1 /\ 2:r2=1 /\
 * 2:r1=0)} is {@code 1, 1, 0}.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t ISA2_pooncelock_pooncelock_pombonce}
 * (three actors: jcstress runs it only on a machine with at least three CPUs; see the module README).
 */
@JCStressTest
@Outcome(id = {"0, 0, 0", "0, 0, 1", "0, 1, 0", "0, 1, 1"}, expect = ACCEPTABLE,
        desc = "p1 held the lock first and missed y; p2 may see z and x in any combination")
@Outcome(id = {"1, 0, 0", "1, 0, 1"}, expect = ACCEPTABLE,
        desc = "p0's section came first; p2 read z before p1's write of it reached p2")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "p0's section first, and p2, having seen p1's z, sees p0's x")
@Outcome(id = "1, 1, 0", expect = FORBIDDEN,
        desc = "LKMM ISA2+pooncelock+pooncelock+pombonce: Never. p2 saw z, written after p1's lock saw p0's section, yet missed p0's x")
@State
public class ISA2_pooncelock_pooncelock_pombonce {

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

    /** r2 = READ_ONCE(z); smp_mb(); r1 = READ_ONCE(x) */
    @Actor
    public void p2(III_Result r) {
        r.r2 = (int) Z.getOpaque(this);
        Barriers.smpMb();
        r.r3 = (int) X.getOpaque(this);
    }
}
