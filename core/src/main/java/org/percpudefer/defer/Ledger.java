package org.percpudefer.defer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.percpudefer.cpu.Cpu;

/**
 * The accounting mode (off unless you pass a ledger to
 * {@link DeferLists#install(org.percpudefer.cpu.Machine, DeferVariant, LockKind, Reclaimer, Ledger)}): every
 * object carries a {@link State} and the last {@value #HISTORY} moves that changed it (which CPU, which
 * variant), and an illegal move throws at once, naming the object and showing its history next to the
 * offending move.
 *
 * <pre>{@code
 * Ledger ledger = new Ledger();
 * DeferLists<Skb> lists = DeferLists.install(machine, variant, lock, reclaimer, ledger);
 * ledger.allocated(skb);          // the allocator, when it hands an object out (new or recycled)
 * ledger.used(skb);               // the consumer, each time it touches it
 * lists.attemptDeferFree(skb);    // the lists record DEFERRED, then FREE when the reclaimer runs
 * // after machine.close() and lists.drain():
 * ledger.audit().requireClean();  // allocations = frees + live, nothing left on a list
 * }</pre>
 *
 * <h2>The states and the legal moves</h2>
 * <pre>
 *   (new) or FREE --allocated--> ALLOCATED --used--> IN_USE --used--> IN_USE
 *   ALLOCATED or IN_USE --attemptDeferFree--> DEFERRED --reclaimer--> FREE
 * </pre>
 * {@code DEFERRED} means handed to the lists and not yet given to the reclaimer: on a defer list, in a
 * {@code BATCHED} batch, or being freed right now by a local fallback. Everything else throws:
 * <ul>
 *   <li>a second free ({@code attemptDeferFree} of a {@code DEFERRED} or {@code FREE} object):
 *       {@link IllegalStateException} "double free";</li>
 *   <li>{@link #used} of a {@code DEFERRED} or {@code FREE} object: {@link IllegalStateException}
 *       "use after free";</li>
 *   <li>{@link #allocated} of an object that is not {@code FREE}: {@link IllegalStateException}
 *       "allocated twice" (an object put into circulation twice);</li>
 *   <li>any move of an object this ledger never saw allocated, or that another ledger tracks:
 *       {@link IllegalArgumentException} "foreign object".</li>
 * </ul>
 *
 * <h2>Cost and concurrency</h2>
 * Each move takes the object's entry monitor (uncontended in a correct program, so the history an error
 * shows is consistent even when two threads race to free one object: exactly one of them wins), and the
 * first allocation of an object adds an entry the ledger keeps until it is dropped: the ledger holds every
 * object it saw, so use it with a bounded population (recycled objects), and call {@link #forget} for an
 * object given to the garbage collector. With no ledger the lists pay one null check per call.
 */
public final class Ledger {

    /** Where an object is in its life. */
    public enum State {
        /** Handed out by its allocator, not yet used by anyone. */
        ALLOCATED,
        /** Being used (after {@link Ledger#used}). */
        IN_USE,
        /** Handed to the defer lists, not yet given to the reclaimer. */
        DEFERRED,
        /** Given to the reclaimer: back with its allocator. */
        FREE
    }

    /** How many moves each object's history keeps. */
    public static final int HISTORY = 8;
    /** How many objects {@link Report#leftOnLists()} names at most. */
    static final int NAMED = 16;
    private static final State[] STATES = State.values();
    private static final DeferVariant[] VARIANTS = DeferVariant.values();

    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private final LongAdder allocations = new LongAdder();
    private final LongAdder frees = new LongAdder();
    private final LongAdder forgotten = new LongAdder();

    /** A new, empty ledger. */
    public Ledger() {
    }

    /**
     * Records that {@code obj} was handed out by its allocator, new or recycled ({@code FREE} to
     * {@code ALLOCATED}), on the calling thread (a simulated CPU, or another thread).
     *
     * @param obj the object
     * @throws IllegalStateException    if it is not {@code FREE} (allocated twice)
     * @throws IllegalArgumentException if another ledger tracks it
     */
    public void allocated(Deferrable obj) {
        Entry e = Objects.requireNonNull(obj, "obj").entry;
        if (e == null) {
            e = new Entry(this, obj, ids.incrementAndGet());
            obj.entry = e;
            entries.add(e);
        } else if (e.ledger != this) {
            throw foreign(obj, "allocated", e);
        }
        synchronized (e) {
            if (e.state != State.FREE) {
                throw illegal(e, "allocated twice (put into circulation again while not free)", State.ALLOCATED, null);
            }
            e.move(State.ALLOCATED, Cpu.currentId(), null);
        }
        allocations.increment();
    }

    /**
     * Records a use of {@code obj} ({@code ALLOCATED} or {@code IN_USE} to {@code IN_USE}): call it where
     * the consumer touches the object, so a use after free is caught there.
     *
     * @param obj the object
     * @throws IllegalStateException    if it is {@code DEFERRED} or {@code FREE} (use after free)
     * @throws IllegalArgumentException if this ledger never saw it allocated
     */
    public void used(Deferrable obj) {
        Entry e = entryOf(obj, "used");
        synchronized (e) {
            if (e.state != State.ALLOCATED && e.state != State.IN_USE) {
                throw illegal(e, "use after free", State.IN_USE, null);
            }
            e.move(State.IN_USE, Cpu.currentId(), null);
        }
    }

    /**
     * Forgets {@code obj}, which its owner gave to the garbage collector while {@code FREE}; it is no longer
     * counted (as {@link Report#forgotten()}) and may be allocated again as a new object.
     *
     * @param obj the object
     * @throws IllegalStateException    if it is not {@code FREE}
     * @throws IllegalArgumentException if this ledger never saw it allocated
     */
    public void forget(Deferrable obj) {
        Entry e = entryOf(obj, "forgotten");
        synchronized (e) {
            if (e.state != State.FREE) {
                throw illegal(e, "forgotten while not free", State.FREE, null);
            }
        }
        obj.entry = null;
        entries.remove(e);
        forgotten.increment();
    }

    /**
     * @param obj an object
     * @return its state, or {@code null} if this ledger does not track it
     */
    public State stateOf(Deferrable obj) {
        Entry e = obj.entry;
        if (e == null || e.ledger != this) {
            return null;
        }
        synchronized (e) {
            return e.state;
        }
    }

    /**
     * @param obj an object this ledger tracks
     * @return its history, oldest move first, one line per move
     * @throws IllegalArgumentException if this ledger does not track it
     */
    public List<String> historyOf(Deferrable obj) {
        Entry e = entryOf(obj, "looked up");
        synchronized (e) {
            return e.history();
        }
    }

    /**
     * Counts every tracked object by state and checks that the moves add up: every allocation is either
     * freed or still live ({@code ALLOCATED}, {@code IN_USE} or {@code DEFERRED}). Call it once nothing moves
     * objects any more (after {@link org.percpudefer.cpu.Machine#close()}); objects still {@code DEFERRED}
     * then are the ones left on a list, and the report names them.
     *
     * @return the report
     */
    public Report audit() {
        long[] byState = new long[STATES.length];
        List<String> left = new ArrayList<>();
        long leftCount = 0;
        for (Entry e : entries) {
            synchronized (e) {
                byState[e.state.ordinal()]++;
                if (e.state == State.DEFERRED && leftCount++ < NAMED) {
                    left.add(e.name() + " on cpu " + e.target + "'s list: " + String.join(", ", e.history()));
                }
            }
        }
        return new Report(allocations.sum(), frees.sum(), byState[State.ALLOCATED.ordinal()],
                byState[State.IN_USE.ordinal()], byState[State.DEFERRED.ordinal()], byState[State.FREE.ordinal()],
                forgotten.sum(), List.copyOf(left));
    }

    /**
     * What {@link #audit()} found.
     *
     * @param allocations every {@link #allocated} call so far
     * @param frees       every object given to the reclaimer so far
     * @param allocated   objects {@code ALLOCATED} now
     * @param inUse       objects {@code IN_USE} now
     * @param deferred    objects {@code DEFERRED} now: left on a list (or in a batch)
     * @param free        objects {@code FREE} now (tracked, reusable)
     * @param forgotten   objects dropped with {@link #forget}
     * @param leftOnLists the first {@value #NAMED} {@code DEFERRED} objects, each with its list and history
     */
    public record Report(long allocations, long frees, long allocated, long inUse, long deferred, long free,
            long forgotten, List<String> leftOnLists) {

        /** @return objects not free: allocated, in use or deferred */
        public long live() {
            return allocated + inUse + deferred;
        }

        /** @return whether allocations = frees + live */
        public boolean conserved() {
            return allocations == frees + live();
        }

        /**
         * @return this report
         * @throws IllegalStateException if the moves do not add up or an object is left on a list, naming them
         */
        public Report requireClean() {
            if (!conserved()) {
                throw new IllegalStateException("accounting does not add up: " + this);
            }
            if (deferred > 0) {
                throw new IllegalStateException(deferred + " object(s) left on a defer list: " + String.join("; ", leftOnLists));
            }
            return this;
        }

        @Override
        public String toString() {
            return "allocations " + allocations + " = frees " + frees + " + live " + live() + " (allocated "
                    + allocated + ", in use " + inUse + ", deferred " + deferred + ")" + (conserved() ? "" : " VIOLATED")
                    + "; tracked free " + free + ", forgotten " + forgotten;
        }
    }

    // ---------------------------------------------------------------- the lists' moves

    /** attemptDeferFree on {@code cpu}: ALLOCATED or IN_USE to DEFERRED, towards {@code obj.allocCpu}. */
    void deferred(Deferrable obj, int cpu, DeferVariant variant) {
        Entry e = entryOf(obj, "freed");
        synchronized (e) {
            if (e.state != State.ALLOCATED && e.state != State.IN_USE) {
                throw illegal(e, "double free", State.DEFERRED, variant);
            }
            e.target = obj.allocCpu;
            e.move(State.DEFERRED, cpu, variant);
        }
    }

    /** The reclaimer is about to run on {@code cpu}: DEFERRED to FREE. */
    void freed(Deferrable obj, int cpu, DeferVariant variant) {
        Entry e = entryOf(obj, "freed");
        synchronized (e) {
            if (e.state != State.DEFERRED) { // only the lists free, and only what they were handed
                throw illegal(e, "freed by the lists while not deferred", State.FREE, variant);
            }
            e.move(State.FREE, cpu, variant);
        }
        frees.increment();
    }

    // ---------------------------------------------------------------- internals

    private Entry entryOf(Deferrable obj, String what) {
        Objects.requireNonNull(obj, "obj");
        Entry e = obj.entry;
        if (e == null || e.ledger != this) {
            throw foreign(obj, what, e);
        }
        return e;
    }

    private static IllegalArgumentException foreign(Deferrable obj, String what, Entry e) {
        return new IllegalArgumentException("foreign object: " + obj + " " + what + " on " + where(Cpu.currentId())
                + (e == null ? ", but this ledger never saw it allocated" : ", but another ledger tracks it as " + e.name()));
    }

    private static IllegalStateException illegal(Entry e, String problem, State to, DeferVariant variant) {
        String now = "now: " + to + " by " + where(Cpu.currentId()) + (variant == null ? "" : " (" + variant + ")");
        return new IllegalStateException(problem + " of " + e.name() + ", which is " + e.state + "; " + now
                + "; before: " + String.join(", ", e.history()));
    }

    private static String where(int cpu) {
        return cpu >= 0 ? "cpu " + cpu : "thread '" + Thread.currentThread().getName() + "'";
    }

    /**
     * One tracked object: its state and its last moves, guarded by the entry's monitor. A move is packed
     * into a long: the state (bits 0-7), the variant's ordinal + 1 (8-15, 0 for a user's call), the CPU + 1
     * (16-39, 0 for a thread that is no CPU), and the move's number in this object's life (40-63).
     */
    static final class Entry {
        final Ledger ledger;
        final Deferrable obj;
        final long id;
        State state = State.FREE;
        int target = -1;
        private final long[] moves = new long[HISTORY];
        private long count;

        Entry(Ledger ledger, Deferrable obj, long id) {
            this.ledger = ledger;
            this.obj = obj;
            this.id = id;
        }

        void move(State to, int cpu, DeferVariant variant) {
            count++;
            moves[(int) (count % HISTORY)] = to.ordinal() | (long) (variant == null ? 0 : variant.ordinal() + 1) << 8
                    | (long) ((cpu + 1) & 0xFF_FFFF) << 16 | (count & 0xFF_FFFFL) << 40;
            state = to;
        }

        String name() {
            return "object #" + id + " (" + obj.getClass().getSimpleName() + ", allocCpu " + obj.allocCpu + ")";
        }

        List<String> history() {
            List<String> lines = new ArrayList<>();
            for (long n = Math.max(1, count - HISTORY + 1); n <= count; n++) {
                long m = moves[(int) (n % HISTORY)];
                int variant = (int) (m >>> 8 & 0xFF);
                int cpu = (int) (m >>> 16 & 0xFF_FFFF) - 1;
                lines.add("#" + n + " " + STATES[(int) (m & 0xFF)] + (cpu >= 0 ? " on cpu " + cpu : " off-cpu")
                        + (variant == 0 ? "" : " (" + VARIANTS[variant - 1] + ")"));
            }
            return lines;
        }
    }
}
