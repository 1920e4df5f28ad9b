package org.percpudefer.cpu;

import java.util.Arrays;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Thread pinning through Linux's {@code sched_setaffinity(2)}, called directly with JNA, as jcstress
 * does. (net.openhft:affinity was tried and rejected: it never hands out core 0, so on a 2-core machine
 * it pins one thread of two.)
 *
 * <p>Everything here degrades to "unavailable, with the reason" rather than failing: on other operating
 * systems, on 32-bit JVMs, where JNA cannot load libc, or where the OS refuses.
 */
final class Affinity {

    /** glibc's CPU_SETSIZE: 1024 cores, as 16 longs. */
    static final int MAX_CORES = 1024;
    private static final int MASK_LONGS = MAX_CORES / Long.SIZE;
    private static final long MASK_BYTES = MASK_LONGS * (long) Long.BYTES;

    /** libc's affinity calls; size_t is a Java long, which is why we require a 64-bit JVM. */
    interface LibC extends Library {
        int sched_setaffinity(int pid, long cpusetsize, long[] mask) throws LastErrorException;

        int sched_getaffinity(int pid, long cpusetsize, long[] mask) throws LastErrorException;
    }

    private static final LibC LIBC;
    /** Why pinning is unavailable on this JVM, or null when it is available. */
    private static final String UNAVAILABLE;

    static {
        LibC libc = null;
        String why = null;
        if (!Platform.isLinux()) {
            why = "not Linux (" + System.getProperty("os.name") + ")";
        } else if (Native.SIZE_T_SIZE != Long.BYTES) {
            why = "not a 64-bit JVM";
        } else {
            try {
                libc = Native.load("c", LibC.class);
            } catch (Throwable e) { // UnsatisfiedLinkError, or JNA's own native library missing
                why = "JNA cannot load libc (" + e.getMessage() + ")";
            }
        }
        LIBC = libc;
        UNAVAILABLE = why;
    }

    private Affinity() {
    }

    /** Why pinning cannot work here, or null if it can. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** The cores the calling thread may run on (its affinity mask), ascending; null if unavailable. */
    static int[] allowedCores() {
        if (LIBC == null) {
            return null;
        }
        long[] mask = new long[MASK_LONGS];
        try {
            LIBC.sched_getaffinity(0, MASK_BYTES, mask);
        } catch (LastErrorException e) {
            return null;
        }
        return cores(mask);
    }

    /**
     * Pins the calling thread to one core and reads the mask back.
     *
     * @return null if the thread now runs on exactly {@code core}; otherwise why not, in words
     */
    static String pinCurrentThread(int core) {
        if (LIBC == null) {
            return UNAVAILABLE;
        }
        if (core < 0 || core >= MAX_CORES) {
            return "core " + core + " is beyond CPU_SETSIZE " + MAX_CORES;
        }
        long[] mask = new long[MASK_LONGS];
        mask[core / Long.SIZE] = 1L << (core % Long.SIZE);
        try {
            LIBC.sched_setaffinity(0, MASK_BYTES, mask); // pid 0: the calling thread
            long[] back = new long[MASK_LONGS];
            LIBC.sched_getaffinity(0, MASK_BYTES, back);
            int[] now = cores(back);
            return now.length == 1 && now[0] == core
                    ? null
                    : "sched_setaffinity accepted core " + core + " but the thread may run on " + Arrays.toString(now);
        } catch (LastErrorException e) {
            return "sched_setaffinity refused core " + core + " (errno " + e.getErrorCode() + ")";
        }
    }

    private static int[] cores(long[] mask) {
        int n = 0;
        for (long word : mask) {
            n += Long.bitCount(word);
        }
        int[] cores = new int[n];
        int i = 0;
        for (int w = 0; w < mask.length; w++) {
            for (long word = mask[w]; word != 0; word &= word - 1) {
                cores[i++] = w * Long.SIZE + Long.numberOfTrailingZeros(word);
            }
        }
        return cores;
    }
}
