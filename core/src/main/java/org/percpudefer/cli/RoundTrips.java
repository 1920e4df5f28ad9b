package org.percpudefer.cli;

import java.util.concurrent.CountDownLatch;

import org.HdrHistogram.Histogram;
import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;

/**
 * IPI ping-pong between two simulated CPUs: hosted on {@code from}, it sends a ping IPI to {@code to},
 * whose handler sends a pong IPI back; the pong handler, on {@code from}, records the round trip. One
 * round trip at a time, so each measures an IPI delivery in each direction and nothing else.
 */
final class RoundTrips implements CpuTask {

    /** Longest round trip the histogram keeps exactly; longer ones are recorded as this. */
    static final long MAX_NANOS = 10_000_000_000L;

    private final Machine machine;
    private final int from;
    private final int to;
    private final int warmup;
    private final int total;
    private final Histogram histogram = new Histogram(1, MAX_NANOS, 3);
    private final CallSingleData ping;
    private final CallSingleData pong;
    private final CountDownLatch finished = new CountDownLatch(1);
    /**
     * Set by whichever side found a send refused (cpu {@code from}'s task or cpu {@code to}'s ping
     * handler); read by {@code from}'s step and after {@link #finished}. A volatile store and load
     * (smp_store_release / smp_load_acquire): publication of the message string, which is immutable
     * anyway; {@link #await()} also reads it after the latch's countDown/await, a happens-before edge of its
     * own. No jcstress test: nothing rests on it but a message, and the latch carries the edge that
     * matters.
     */
    private volatile String failure;

    // Owned by cpu `from`: the task's steps and the pong handler both run there.
    private long sentAt;
    private boolean waiting;
    private int completed;

    RoundTrips(Machine machine, int from, int to, int warmup, int rounds) {
        this.machine = machine;
        this.from = from;
        this.to = to;
        this.warmup = warmup;
        this.total = warmup + rounds;
        this.pong = new CallSingleData(cpu -> arrived());
        this.ping = new CallSingleData(cpu -> send(from, pong));
    }

    @Override
    public int step(Cpu cpu) {
        if (completed == total || failure != null) {
            finished.countDown();
            return DONE;
        }
        if (waiting) {
            return 0; // idle until the pong IPI wakes us
        }
        waiting = true;
        sentAt = System.nanoTime();
        return send(to, ping) ? 1 : 0;
    }

    private void arrived() {
        long nanos = System.nanoTime() - sentAt;
        if (completed >= warmup) {
            histogram.recordValue(Math.min(nanos, MAX_NANOS));
        }
        completed++;
        waiting = false;
    }

    private boolean send(int target, CallSingleData csd) {
        int result = machine.callFunctionSingleAsync(target, csd);
        if (result == CallSingleData.SENT) {
            return true;
        }
        failure = "IPI to cpu " + target + " refused (result " + result + ")";
        finished.countDown();
        machine.cpu(from).wake();
        return false;
    }

    /** Waits for the last round trip; returns the histogram of the measured ones. */
    Histogram await() throws InterruptedException {
        finished.await();
        if (failure != null) {
            throw new IllegalStateException("cpu" + from + " -> cpu" + to + ": " + failure);
        }
        return histogram;
    }
}
