package org.percpudefer.cpu;

/**
 * An exception thrown by code a simulated CPU ran for someone else: a hosted task's step, an IPI
 * handler, a softirq handler or a hook. The CPU survives it (the task is unhosted; handlers run again next
 * time), the fault is logged when it happens, kept by the machine ({@link Machine#faults()}) and
 * rethrown by {@link Machine#close()}: never swallowed.
 *
 * @param cpu   the CPU that ran the failing code
 * @param where what was running: {@code "task"}, {@code "ipi"}, {@code "softirq N"}, {@code "idle hook"},
 *              {@code "offline hook"}, or {@code "stop"} / {@code "loop"} for the CPU's own failures
 * @param error what it threw
 */
public record CpuFault(int cpu, String where, Throwable error) {

    @Override
    public String toString() {
        return "cpu " + cpu + " " + where + ": " + error;
    }
}
