package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

import org.percpudefer.ordering.SpinLock;

/**
 * A lock for a defer list, taken and released by simulated CPU number (the MCS lock needs it to find the
 * CPU's queue node). {@link LockKind#SYNCHRONIZED} has no instance: Java monitors must be block
 * structured, so the lists use a {@code synchronized} block where {@link #of} returned null.
 */
abstract class DeferLock {

    /**
     * Takes the lock (spin_lock): acquire semantics.
     *
     * @return whether it was held by someone else when asked (a contended acquisition)
     */
    abstract boolean lock(int cpu);

    /** Releases the lock (spin_unlock): release semantics. */
    abstract void unlock(int cpu);

    /** A new lock of this kind; null for {@link LockKind#SYNCHRONIZED}. */
    static DeferLock of(LockKind kind, McsLock.Node[] mcsNodes) {
        return switch (kind) {
            case TTAS -> new Ttas();
            case TICKET -> new Ticket();
            case MCS -> new McsLock(mcsNodes);
            case REENTRANT -> new Reentrant();
            case SYNCHRONIZED -> null;
        };
    }

    /** Test-and-test-and-set: the kernel's spinlock, {@link SpinLock}. */
    static final class Ttas extends DeferLock {
        private final SpinLock spin = new SpinLock();

        @Override
        boolean lock(int cpu) {
            return spin.lock();
        }

        @Override
        void unlock(int cpu) {
            spin.unlock();
        }
    }

    /** Ticket lock: FIFO. */
    static final class Ticket extends DeferLock {
        private static final VarHandle NEXT = handle(MethodHandles.lookup(), "next", int.class);
        private static final VarHandle OWNER = handle(MethodHandles.lookup(), "owner", int.class);
        @SuppressWarnings("unused")
        private int next;
        @SuppressWarnings("unused")
        private int owner;

        @Override
        boolean lock(int cpu) {
            int ticket = (int) NEXT.getAndAdd(this, 1); // atomic_fetch_inc: fully ordered
            if ((int) OWNER.getAcquire(this) == ticket) { // smp_load_acquire: pairs with unlock's release
                return false;
            }
            while ((int) OWNER.getAcquire(this) != ticket) {
                Thread.onSpinWait();
            }
            return true;
        }

        @Override
        void unlock(int cpu) {
            // Only the holder writes owner, so READ_ONCE of it returns its own last write (coherence).
            // smp_store_release: hands over (jcstress LockHandOver.Ticket; opaque instead: LockHandOver.TicketOnce)
            OWNER.setRelease(this, (int) OWNER.getOpaque(this) + 1);
        }
    }

    /** ReentrantLock, non-fair. */
    static final class Reentrant extends DeferLock {
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        boolean lock(int cpu) {
            if (lock.tryLock()) {
                return false;
            }
            lock.lock();
            return true;
        }

        @Override
        void unlock(int cpu) {
            lock.unlock();
        }
    }

    /** A VarHandle for a field of the class that made {@code lookup} (one line at each use). */
    static VarHandle handle(MethodHandles.Lookup lookup, String field, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), field, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
