package org.percpudefer.cpu;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A statistical profiler of a {@link Machine}'s CPUs, like {@code perf record} at a fixed frequency: a
 * thread of its own wakes every period, reads what each CPU has published ({@link Cpu#activity()}) and
 * counts one sample per CPU. Each CPU pays one opaque store per transition and nothing per sample; the
 * sampler's own thread is not pinned and is asleep between samples.
 *
 * <pre>{@code
 * try (Sampler sampler = Sampler.start(machine, 2_000)) {
 *     runTheWorkload();
 *     Profile profile = sampler.stop();
 *     double copy = profile.share(1, Activity.COPY_TO_USER);
 * }
 * }</pre>
 */
public final class Sampler implements AutoCloseable {

    /** The highest sampling rate accepted, in samples per second per CPU. */
    public static final int MAX_HZ = 100_000;

    private final Machine machine;
    private final long periodNanos;
    private final Thread thread;
    /** Sampler thread only, until it has been joined. */
    private final long[][] counts;
    /**
     * The stop flag: a volatile store by {@link #stop()} (smp_store_mb), a volatile load by the sampler
     * thread each period. Only its eventual visibility matters (READ_ONCE would do; volatile costs nothing
     * measurable at a sample per period); the counts are published to {@code stop()} by the thread's join,
     * not by this flag. No jcstress test of its own: the same stop-flag decision is tested on
     * {@code Flow}'s opaque flag (jcstress {@code net.FlowStopSeen}), and volatile is stronger.
     */
    private volatile boolean stopping;
    private Profile profile;

    private Sampler(Machine machine, int hz) {
        this.machine = machine;
        this.periodNanos = TimeUnit.SECONDS.toNanos(1) / hz;
        this.counts = new long[machine.cpus()][Activity.values().length];
        this.thread = new Thread(this::run, "sampler");
        thread.setDaemon(true);
    }

    /**
     * Starts sampling every CPU of {@code machine}.
     *
     * @param machine the machine, running; not null
     * @param hz      samples per second, {@code 1..}{@value #MAX_HZ}; the OS timer's granularity may lower
     *                the real rate, which the profile's shares do not depend on
     * @return the running sampler
     * @throws IllegalArgumentException if {@code hz} is out of range
     * @throws IllegalStateException    if the machine is closed (nothing runs on it to sample)
     */
    public static Sampler start(Machine machine, int hz) {
        Objects.requireNonNull(machine, "machine");
        if (hz < 1 || hz > MAX_HZ) {
            throw new IllegalArgumentException("sampling rate " + hz + " Hz is out of range (allowed: 1.." + MAX_HZ + ")");
        }
        if (machine.isClosed()) {
            throw new IllegalStateException("the machine is closed: nothing runs on it to sample");
        }
        Sampler s = new Sampler(machine, hz);
        s.thread.start();
        return s;
    }

    /**
     * Stops sampling and returns what was sampled. Later calls return the same profile.
     *
     * @return the profile
     */
    public synchronized Profile stop() {
        if (profile == null) {
            stopping = true;
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            profile = new Profile(counts); // join: happens-before
        }
        return profile;
    }

    /** Stops sampling, as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private void run() {
        int cpus = counts.length;
        long next = System.nanoTime() + periodNanos;
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            next += periodNanos;
            if (next - System.nanoTime() < 0) {
                next = System.nanoTime() + periodNanos; // we fell behind (descheduled): do not burst
            }
            for (int cpu = 0; cpu < cpus; cpu++) {
                counts[cpu][machine.cpu(cpu).activityOnce()]++;
            }
        }
    }

    /**
     * Samples per CPU and activity.
     */
    public static final class Profile {
        private final long[][] counts;

        Profile(long[][] counts) {
            this.counts = new long[counts.length][];
            for (int i = 0; i < counts.length; i++) {
                this.counts[i] = counts[i].clone();
            }
        }

        /**
         * @param cpu a CPU of the sampled machine
         * @return how many samples were taken of it
         * @throws IllegalArgumentException if {@code cpu} is out of range
         */
        public long samples(int cpu) {
            return Arrays.stream(counts[check(cpu)]).sum();
        }

        /**
         * @param cpu      a CPU of the sampled machine
         * @param activity an activity; not null
         * @return samples of {@code cpu} that found it in {@code activity}
         * @throws IllegalArgumentException if {@code cpu} is out of range
         */
        public long samples(int cpu, Activity activity) {
            Objects.requireNonNull(activity, "activity");
            return counts[check(cpu)][activity.ordinal()];
        }

        /**
         * @param cpu      a CPU of the sampled machine
         * @param activity an activity; not null
         * @return the share of {@code cpu}'s samples spent in {@code activity}, {@code 0..1} (0 without samples)
         * @throws IllegalArgumentException if {@code cpu} is out of range
         */
        public double share(int cpu, Activity activity) {
            Objects.requireNonNull(activity, "activity");
            long all = samples(cpu);
            return all == 0 ? 0 : (double) samples(cpu, activity) / all;
        }

        /**
         * @param other a profile of a machine with as many CPUs; not null
         * @return the samples of both
         * @throws IllegalArgumentException if {@code other} has another number of CPUs
         */
        public Profile plus(Profile other) {
            Objects.requireNonNull(other, "other");
            if (other.counts.length != counts.length) {
                throw new IllegalArgumentException("a profile of " + other.counts.length + " CPUs added to one of "
                        + counts.length + " (allowed: profiles of machines with as many CPUs)");
            }
            long[][] sum = new long[counts.length][];
            for (int i = 0; i < counts.length; i++) {
                sum[i] = counts[i].clone();
                for (int a = 0; a < sum[i].length; a++) {
                    sum[i][a] += other.counts[i][a];
                }
            }
            return new Profile(sum);
        }

        private int check(int cpu) {
            if (cpu < 0 || cpu >= counts.length) {
                throw new IllegalArgumentException("cpu " + cpu + " is out of range (allowed: 0.." + (counts.length - 1) + ")");
            }
            return cpu;
        }
    }
}
