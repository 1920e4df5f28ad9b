package org.percpudefer.cpu;

/**
 * The function a {@link CallSingleData} carries: what an IPI runs on its target (the kernel's
 * {@code smp_call_func_t}).
 *
 * <p>It runs on the target CPU's own thread, in "interrupt context": between steps of the hosted task,
 * never concurrently with the target's softirqs or task. It should be short; it may raise a softirq on
 * its CPU ({@link Cpu#raiseSoftirq(int)}) and send IPIs, including re-sending the very
 * {@code CallSingleData} that brought it (the csd is released before the handler runs, as the kernel
 * does for asynchronous calls).
 */
@FunctionalInterface
public interface IpiHandler {

    /**
     * Runs on the target CPU.
     *
     * @param cpu the CPU the IPI was delivered to; always {@link Cpu#current()}
     */
    void handle(Cpu cpu);
}
