package org.percpudefer.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The kernel's {@code call_single_data_t}: one IPI, reusable, in flight at most once.
 *
 * <p>Send it with {@link Machine#callFunctionSingleAsync(int, CallSingleData)} (the kernel's
 * {@code smp_call_function_single_async}). While it is queued on its target it is <em>locked</em>, and a
 * second send is refused with {@link #BUSY} instead of queueing it twice; it is released just before its
 * handler runs, so the handler (or anyone) may send it again. The object itself is the queue entry: a
 * send allocates nothing.
 *
 * <p>Send results are int codes, as on the kernel's hot path: {@link #SENT}, {@link #BUSY},
 * {@link #OFFLINE}.
 */
public final class CallSingleData {

    /*
     * Implementation notes.
     *
     * `locked` is the kernel's CSD_FLAG_LOCK. The kernel sets it with a plain check-then-store and relies
     * on its callers to serialize sends of one csd (the defer list does, through
     * defer_ipi_scheduled). We take it with cmpxchg instead, so that even unserialized senders cannot
     * queue the csd twice; the jcstress test CsdInFlightOnce shows the check-then-store version doing so.
     *
     * Happens-before edges:
     *  - tryLock (cmpxchg, fully ordered) -> the queue's offer (release) -> the target's poll (acquire):
     *    the target sees the csd and its handler.
     *  - unlock (smp_store_release) -> a later sender's tryLock (cmpxchg reads the 0): everything the
     *    target did before releasing the csd is visible to whoever sends it next (the kernel's
     *    csd_unlock is an smp_store_release for the same reason).
     */

    /** The IPI was queued on its target, which will run it. */
    public static final int SENT = 0;
    /** The csd is already in flight; nothing was queued (the kernel's {@code -EBUSY}). */
    public static final int BUSY = -16;
    /** The target CPU is offline; nothing was queued (the kernel's {@code -ENXIO}). */
    public static final int OFFLINE = -6;

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(CallSingleData.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IpiHandler func;
    @SuppressWarnings("unused") // accessed through LOCKED
    private int locked;

    /**
     * Creates an idle csd that runs {@code func} on whichever CPU it is sent to.
     *
     * @param func the handler; not null
     */
    public CallSingleData(IpiHandler func) {
        this.func = Objects.requireNonNull(func, "func");
    }

    /**
     * @return whether the csd is queued and its handler has not started yet: a racy snapshot, for reports
     */
    public boolean inFlight() {
        return lockedOnce() != 0;
    }

    /** Takes the csd for one send: cmpxchg(&locked, 0, 1). False if it is already in flight. */
    boolean tryLock() {
        return cmpxchgLocked(0, 1);
    }

    /** Releases the csd before its handler runs (csd_unlock); pairs with the next sender's cmpxchg. */
    void unlock() {
        setLockedRelease(0);
    }

    IpiHandler func() {
        return func;
    }

    /** READ_ONCE(csd->flags). */
    private int lockedOnce() {
        return (int) LOCKED.getOpaque(this);
    }

    /** smp_store_release(&csd->flags, 0). */
    private void setLockedRelease(int value) {
        LOCKED.setRelease(this, value);
    }

    /** cmpxchg(&csd->flags, expect, update) == expect. */
    private boolean cmpxchgLocked(int expect, int update) {
        return LOCKED.compareAndSet(this, expect, update);
    }
}
