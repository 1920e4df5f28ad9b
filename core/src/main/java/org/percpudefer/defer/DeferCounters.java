package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One CPU's defer counters, in the spirit of {@code /proc/net/softnet_stat}. Each is incremented only by
 * the CPU that did the counted thing, on its own thread, so an increment is a READ_ONCE and a WRITE_ONCE
 * of a slot nobody else writes: no atomic instruction, cheap enough to leave on. Readers on other
 * threads get each value untorn and recent, not a consistent cut across values.
 *
 * <p>Ordering: {@link #add} is WRITE_ONCE(c, READ_ONCE(c) + d) and {@link #max} READ_ONCE then a
 * conditional WRITE_ONCE, both by the counter's one writer; {@link #get} is READ_ONCE. Opaque accesses are
 * untorn for {@code long} and coherent per slot, so a reader never sees a counter go back (LKMM
 * {@code CoRR+poonceonce+Once}: Never) nor half of one. The one-writer rule is what makes a read-then-write
 * increment safe without an atomic: jcstress {@code defer.DeferCountersCoherence} tests this class, and its
 * {@code TwoWriters} case shows a second writer losing counts.
 */
final class DeferCounters {

    static final int DEFERRED = 0;
    static final int LOCAL_OWN = 1;
    static final int LOCAL_OFFLINE = 2;
    static final int LOCAL_FULL = 3;
    static final int LOCAL_DISABLED = 4;
    static final int FLUSHED = 5;
    static final int FLUSHES = 6;
    static final int KICKS = 7;
    static final int IPIS_SENT = 8;
    static final int IPIS_RECEIVED = 9;
    static final int LOCKS = 10;
    static final int LOCKS_CONTENDED = 11;
    static final int WAKEUPS = 12;
    static final int OVERSHOOTS = 13;
    static final int MAX_LENGTH = 14;
    static final int HANDOVERS = 15;
    private static final int COUNT = 16;
    /** Slots per CPU: the values, padded to two 64-byte lines so neighbouring CPUs never share one. */
    private static final int SLOTS = COUNT + 16;
    private static final int BASE = 8;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots = new long[SLOTS + BASE];

    /** Owner only: adds to one counter (jcstress defer.DeferCountersCoherence). */
    void add(int counter, long delta) {
        int i = BASE + counter;
        SLOT.setOpaque(slots, i, (long) SLOT.getOpaque(slots, i) + delta); // WRITE_ONCE(c, READ_ONCE(c) + d)
    }

    /** Owner only: raises a high-water mark (jcstress defer.DeferCountersCoherence.Max). */
    void max(int counter, long value) {
        int i = BASE + counter;
        if (value > (long) SLOT.getOpaque(slots, i)) {
            SLOT.setOpaque(slots, i, value);
        }
    }

    /** Any thread: READ_ONCE of one counter. */
    long get(int counter) {
        return (long) SLOT.getOpaque(slots, BASE + counter);
    }

    DeferStats snapshot(int cpu) {
        return new DeferStats(cpu, get(DEFERRED), get(LOCAL_OWN), get(LOCAL_OFFLINE), get(LOCAL_FULL),
                get(LOCAL_DISABLED), get(FLUSHED), get(FLUSHES), get(HANDOVERS), get(KICKS), get(IPIS_SENT),
                get(IPIS_RECEIVED), get(LOCKS), get(LOCKS_CONTENDED), get(WAKEUPS), get(OVERSHOOTS),
                get(MAX_LENGTH));
    }
}
