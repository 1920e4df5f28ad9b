package org.percpudefer.ordering;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The kernel's {@code spin_lock()} / {@code spin_unlock()}: a test-and-test-and-set lock whose waiters
 * spin and never park, as a kernel CPU spins on a zone or slab lock instead of sleeping. Use it where the
 * emulator stands for a kernel spinlock and the holder is a pinned simulated CPU that never sleeps
 * under it; where a holder may be descheduled for long, a parking lock ({@code ReentrantLock}) wastes
 * less.
 *
 * <p>Ordering: {@link #lock()} is a cmpxchg (fully ordered, so at least acquire) and {@link #unlock()}
 * an {@code smp_store_release}; they pair, so everything written under the lock by one holder is seen
 * by the next. Waiters spin on a READ_ONCE of the lock word, so a held lock's line is not bounced by
 * their failed cmpxchgs. Proven by jcstress {@code DeferLockMutualExclusion} (kind TTAS, which is this
 * lock) and the {@code MP_polocks} litmus test.
 */
public final class SpinLock {

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(SpinLock.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // LOCKED
    private int locked;

    /**
     * Takes the lock, spinning while another thread holds it.
     *
     * @return whether it was held by another thread when asked (a contended acquisition)
     */
    public boolean lock() {
        if (tryLock()) {
            return false;
        }
        do {
            while ((int) LOCKED.getOpaque(this) != 0) { // READ_ONCE spin: no line bouncing while held
                Thread.onSpinWait();
            }
        } while (!tryLock());
        return true;
    }

    /** @return whether the lock was free and is now held by the caller (cmpxchg(&locked, 0, 1)) */
    public boolean tryLock() {
        return LOCKED.compareAndSet(this, 0, 1);
    }

    /**
     * The kernel's {@code spin_is_locked()}: a READ_ONCE of the lock word, ordered with nothing else. A
     * lockless observer learns nothing about what the holder wrote (LKMM MP+polockonce+poacquiresilsil:
     * Sometimes, ported in concurrency-tests).
     *
     * @return whether some thread holds the lock now (a snapshot)
     */
    public boolean isLocked() {
        return (int) LOCKED.getOpaque(this) != 0;
    }

    /**
     * Releases the lock; only its holder may call it (smp_store_release: pairs with the next cmpxchg).
     *
     * @throws IllegalStateException if the lock is not held (an unlock without its lock, or a second one);
     *                               an unlock by a thread other than the holder is not detected
     */
    public void unlock() {
        if ((int) LOCKED.getOpaque(this) == 0) { // the holder reads its own cmpxchg's 1: never a false alarm
            throw new IllegalStateException("unlock() of a SpinLock that is not held");
        }
        LOCKED.setRelease(this, 0);
    }
}
