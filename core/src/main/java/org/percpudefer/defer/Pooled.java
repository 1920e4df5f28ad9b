package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An object a {@link DeferPool} recycles: extend it. It carries the defer lists' intrusive link and
 * owner number ({@link Deferrable}), the pool it belongs to, and whether it is in use, which is how a
 * second release of the same object is caught.
 */
public abstract class Pooled extends Deferrable {

    static final int FREE = 0;
    static final int IN_USE = 1;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Pooled.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The pool that made it; written before the factory returns it, read by releasing threads after a hand-off. */
    DeferPool<?> pool;
    /**
     * IN_USE between acquire and release. The acquiring owner writes it (WRITE_ONCE, no atomic); a release
     * by another thread moves it back with cmpxchg, so of two releasing threads exactly one wins; a
     * release on the owner checks and writes it with READ_ONCE/WRITE_ONCE only (no atomic on the local
     * path), which catches a repeated release on the owner but not one racing another thread's.
     */
    @SuppressWarnings("unused") // STATE
    private int state = FREE;

    /** For subclasses. */
    protected Pooled() {
    }

    /** @return whether the object is between an acquire and its release (a snapshot) */
    public final boolean inUse() {
        return stateOnce() == IN_USE;
    }

    /** READ_ONCE(state). */
    final int stateOnce() {
        return (int) STATE.getOpaque(this);
    }

    /** WRITE_ONCE(state, v). */
    final void setStateOnce(int v) {
        STATE.setOpaque(this, v);
    }

    /** cmpxchg(&state, IN_USE, FREE) == IN_USE: the one release that wins. */
    final boolean cmpxchgRelease() {
        return STATE.compareAndSet(this, IN_USE, FREE);
    }
}
