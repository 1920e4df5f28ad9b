package org.percpudefer.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscGrowableAtomicArrayQueue;
import org.percpudefer.ordering.Barriers;

/**
 * A simulated CPU's doorbell: the lock-free MPSC queue its IPIs arrive on, a wake flag for everything
 * else that wants it to look again (a hosted task given work, a hotplug or stop request), and the
 * park/unpark hand-off that lets it sleep without ever missing either.
 *
 * <p>Many threads {@link #post post} and {@link #wake wake}; only the owner thread polls, consumes the
 * wake flag and sleeps.
 */
final class Inbox {

    /*
     * Implementation notes.
     *
     * The queue is JCTools' MpscGrowableAtomicArrayQueue: lock-free for producers, wait-free poll for the
     * one consumer, and it allocates nothing once it has grown to the largest number of csds ever queued
     * at once (a csd is in flight at most once, so that number is bounded by the csds in existence). We
     * take the "atomic" flavour, built on java.util.concurrent atomics, because the default flavour uses
     * sun.misc.Unsafe, which JDK 24+ warns about at run time.
     *
     * Lost-wakeup freedom is store buffering (SB) with smp_mb on both sides, the kernel's
     * TIF_POLLING_NRFLAG idea (do not interrupt a CPU that is still polling):
     *
     *   sender:  publish work (queue offer, or wake flag)   owner:  WRITE_ONCE(sleeping, 1)
     *            smp_mb()                                            smp_mb()
     *            if READ_ONCE(sleeping): unpark(owner)               if no work visible: park()
     *
     * With a full barrier on both sides at least one of them sees the other's store (LKMM
     * SB+fencembonceonces: Never). So either the owner sees the work and does not park, or the sender
     * sees `sleeping` and unparks. An unpark that comes before the park leaves a permit, and the park
     * returns at once; a stale `sleeping` costs one spurious unpark, never a lost one. jcstress:
     * InboxLostWakeup (the shipping class and a copy without the barriers), InboxParkUnpark (a real CPU
     * thread, Mode.Termination).
     *
     * The wake flag is also a message: whoever sets it may have published state (a hosted task's new
     * work) that the owner must see when it looks again. So it is set with a release store, and consumed
     * with xchg (fully ordered, hence acquire), which reads the latest set even if several wakers raced.
     */

    /** Most csds a CPU can have queued at once; far beyond any real use, and it costs nothing unused. */
    static final int MAX_QUEUED = 1 << 20;

    private static final VarHandle SLEEPING;
    private static final VarHandle WAKE_PENDING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SLEEPING = lookup.findVarHandle(Inbox.class, "sleeping", int.class);
            WAKE_PENDING = lookup.findVarHandle(Inbox.class, "wakePending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MessagePassingQueue<CallSingleData> queue = new MpscGrowableAtomicArrayQueue<>(16, MAX_QUEUED);
    /** The thread that polls and sleeps; null only in tests that never park. */
    private final Thread owner;
    @SuppressWarnings("unused") // accessed through SLEEPING
    private int sleeping;
    @SuppressWarnings("unused") // accessed through WAKE_PENDING
    private int wakePending;

    Inbox(Thread owner) {
        this.owner = owner;
    }

    /**
     * Queues a csd the caller has locked and makes sure the owner will run it.
     *
     * @return whether the owner was asleep and had to be unparked
     * @throws IllegalStateException if {@link #MAX_QUEUED} csds are already queued
     */
    boolean post(CallSingleData csd) {
        if (!queue.offer(csd)) { // offer: release, pairs with poll in the owner
            throw new IllegalStateException("IPI inbox full: " + MAX_QUEUED + " call-single-data already queued");
        }
        return ring();
    }

    /**
     * Tells the owner to look again: state it reads has changed (published before this call).
     *
     * @return whether the owner was asleep and had to be unparked
     */
    boolean wake() {
        setWakePendingRelease(1); // pairs with xchgWakePending in consumeWake
        return ring();
    }

    private boolean ring() {
        Barriers.smpMb(); // pairs with the smp_mb in mayPark (SB): work published before sleeping read
        if (sleepingOnce() == 0) {
            return false; // the owner is running or polling: it will see the work without a wakeup
        }
        LockSupport.unpark(owner);
        return true;
    }

    /** Owner only: the next queued csd, or null. */
    CallSingleData poll() {
        return queue.relaxedPoll(); // acquire of the element the sender's offer released
    }

    /** Owner only: clears the wake flag; true if it was set (and everything published before it is visible). */
    boolean consumeWake() {
        if (wakePendingOnce() == 0) {
            return false;
        }
        xchgWakePending(0); // fully ordered: sees the latest wake and what was published before it
        return true;
    }

    /**
     * Owner only: announces it is about to sleep and looks once more for work.
     *
     * @return true if nothing is pending and the caller may park
     */
    boolean mayPark() {
        setSleepingOnce(1);
        Barriers.smpMb(); // pairs with the smp_mb in ring (SB): sleeping published before work read
        return queue.isEmpty() && wakePendingOnce() == 0;
    }

    /** Owner only: sleeps until posted to or woken, unless there is work already. */
    void sleep() {
        if (mayPark()) {
            LockSupport.park(this);
        }
        setSleepingOnce(0); // a sender still seeing 1 costs one spurious unpark, harmless
    }

    /** Owner only (or a quiescent inbox): how many csds are queued. */
    int queued() {
        return queue.size();
    }

    /** READ_ONCE(sleeping). */
    private int sleepingOnce() {
        return (int) SLEEPING.getOpaque(this);
    }

    /** WRITE_ONCE(sleeping, v). */
    private void setSleepingOnce(int value) {
        SLEEPING.setOpaque(this, value);
    }

    /** READ_ONCE(wake_pending). */
    private int wakePendingOnce() {
        return (int) WAKE_PENDING.getOpaque(this);
    }

    /** smp_store_release(&wake_pending, v). */
    private void setWakePendingRelease(int value) {
        WAKE_PENDING.setRelease(this, value);
    }

    /** xchg(&wake_pending, v). */
    private int xchgWakePending(int value) {
        return (int) WAKE_PENDING.getAndSet(this, value);
    }
}
