package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An MCS queued lock: a waiter appends its own node to the tail with xchg and spins on that node alone,
 * so each hand-over touches one waiter's cache line, not everyone's (the idea under the kernel's
 * qspinlock, which also keeps its nodes per CPU).
 */
final class McsLock extends DeferLock {

    /*
     * Implementation notes.
     *
     * lock:   node.next = null; node.locked = 1 (plain: nobody sees the node before the xchg publishes it)
     *         prev = xchg(&tail, node)                 fully ordered: publishes the node's fields
     *         if prev: smp_store_release(prev.next, node); spin while smp_load_acquire(&node.locked)
     * unlock: if !smp_load_acquire(&node.next):
     *             if cmpxchg(&tail, node, null): done   no successor
     *             spin until smp_load_acquire(&node.next)   a successor is between its xchg and its link
     *         smp_store_release(&next.locked, 0)        hands the critical section over
     * The acquire on locked pairs with the release in the predecessor's unlock. Covered by jcstress
     * LockHandOver.Mcs (MP+polocks), LockHandOver.McsTwice (a CPU re-queues its node after a hand-over:
     * the plain resets are published by the next xchg, and an unlock that finds a successor still linking
     * waits for the link, so no late link lands on a reused node) and, weakened to READ_ONCE/WRITE_ONCE of
     * locked, LockHandOver.McsOnce.
     */

    /** One per simulated CPU, shared by every MCS lock of one DeferLists: a CPU holds one defer lock at a time. */
    static final class Node {
        private static final VarHandle LOCKED = handle(MethodHandles.lookup(), "locked", int.class);
        private static final VarHandle NEXT = handle(MethodHandles.lookup(), "next", Node.class);
        @SuppressWarnings("unused")
        private int locked;
        @SuppressWarnings("unused")
        private Node next;
        /** Owner only: whether this node is queued on some lock now (catches nested use). */
        private boolean inUse;
    }

    private static final VarHandle TAIL = handle(MethodHandles.lookup(), "tail", Node.class);

    private final Node[] nodes;
    @SuppressWarnings("unused")
    private Node tail;

    McsLock(Node[] nodes) {
        this.nodes = nodes;
    }

    static Node[] nodes(int cpus) {
        Node[] nodes = new Node[cpus];
        for (int i = 0; i < cpus; i++) {
            nodes[i] = new Node();
        }
        return nodes;
    }

    @Override
    boolean lock(int cpu) {
        Node node = nodes[cpu];
        if (node.inUse) {
            throw new IllegalStateException("cpu " + cpu + " already holds or waits for an MCS lock: defer locks do not nest");
        }
        node.inUse = true;
        Node.NEXT.set(node, (Node) null);
        Node.LOCKED.set(node, 1);
        Node prev = (Node) TAIL.getAndSet(this, node); // xchg: fully ordered, publishes the node
        if (prev == null) {
            return false;
        }
        Node.NEXT.setRelease(prev, node); // smp_store_release: pairs with the predecessor's acquire in unlock
        while ((int) Node.LOCKED.getAcquire(node) != 0) { // pairs with the predecessor's release
            Thread.onSpinWait();
        }
        return true;
    }

    @Override
    void unlock(int cpu) {
        Node node = nodes[cpu];
        Node next = (Node) Node.NEXT.getAcquire(node); // acquire: the successor's node fields are visible
        if (next == null) {
            if (TAIL.compareAndSet(this, node, (Node) null)) { // cmpxchg: nobody queued behind us
                node.inUse = false;
                return;
            }
            while ((next = (Node) Node.NEXT.getAcquire(node)) == null) { // successor is linking itself
                Thread.onSpinWait();
            }
        }
        Node.LOCKED.setRelease(next, 0); // smp_store_release: hands the critical section over
        node.inUse = false;
    }
}
