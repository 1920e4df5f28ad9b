package org.percpudefer.cpu;

/**
 * Softirq numbers, as the kernel numbers them ({@code include/linux/interrupt.h}); the lower number
 * runs first when several are pending. Only the networking ones are used by percpu-defer today, but any
 * number below {@link #NR_SOFTIRQS} can be opened.
 */
public final class Softirq {

    /** High-priority tasklets. */
    public static final int HI = 0;
    /** Timers. */
    public static final int TIMER = 1;
    /** Network transmit completion. */
    public static final int NET_TX = 2;
    /** Network receive: NAPI polls, and the defer-list flush at its end. */
    public static final int NET_RX = 3;
    /** How many softirq numbers exist; valid numbers are {@code 0 .. NR_SOFTIRQS - 1}. */
    public static final int NR_SOFTIRQS = 10;

    private Softirq() {
    }

    static int check(int nr) {
        if (nr < 0 || nr >= NR_SOFTIRQS) {
            throw new IllegalArgumentException(
                    "softirq number " + nr + " is out of range (allowed: 0.." + (NR_SOFTIRQS - 1) + ")");
        }
        return nr;
    }
}
