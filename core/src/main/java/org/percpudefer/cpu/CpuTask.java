package org.percpudefer.cpu;

/**
 * The process-context work a simulated CPU hosts (a recvmsg loop, a producer), run cooperatively one
 * bounded step at a time between IPIs and softirqs, as the kernel would preempt it.
 *
 * <p>Contract of {@link #step(Cpu)}: do a bounded amount of work and return how much was done. Return
 * {@code 0} when there is nothing to do: the CPU may then idle and finally park, and whoever later gives
 * the task work from another thread must call {@link Cpu#wake()} after publishing it (the kernel's
 * {@code wake_up_process}). Return {@link #DONE} when the task is finished: it is unhosted. A step that
 * throws is reported as a {@link CpuFault}, the task is unhosted, and the CPU goes on serving IPIs and
 * softirqs.
 */
@FunctionalInterface
public interface CpuTask {

    /** Returned by {@link #step(Cpu)} when the task has finished and should be unhosted. */
    int DONE = -1;

    /**
     * Runs one bounded step on the hosting CPU's thread.
     *
     * @param cpu the hosting CPU; always {@link Cpu#current()}
     * @return units of work done ({@code 0} if idle), or {@link #DONE}
     */
    int step(Cpu cpu);
}
