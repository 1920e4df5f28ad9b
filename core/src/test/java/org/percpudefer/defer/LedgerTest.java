package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.percpudefer.defer.Harness.Config;
import org.percpudefer.defer.Harness.Obj;

/** The accounting mode: every illegal move throws at once with the object's history; the audit adds up. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerTest {

    private static final Config LOCKED = new Config(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS);

    @Test
    void aLegalLife_isRecordedMoveByMove_andTheAuditAddsUp() {
        Ledger ledger = new Ledger();
        try (Harness h = new Harness(LOCKED, 3, ledger)) {
            Obj obj = h.obj(0);
            h.on(0, () -> {
                ledger.allocated(obj);
                return 0;
            });
            assertThat(ledger.stateOf(obj)).isEqualTo(Ledger.State.ALLOCATED);
            h.on(1, () -> {
                ledger.used(obj);
                return h.lists.attemptDeferFree(obj);
            });
            Harness.await(() -> obj.frees == 1); // cpu0 flushes its list before it parks
            assertThat(ledger.stateOf(obj)).isEqualTo(Ledger.State.FREE);
            assertThat(ledger.historyOf(obj)).containsExactly("#1 ALLOCATED on cpu 0", "#2 IN_USE on cpu 1",
                    "#3 DEFERRED on cpu 1 (PER_CPU_LOCKED)", "#4 FREE on cpu 0 (PER_CPU_LOCKED)");
        }
        Ledger.Report r = ledger.audit().requireClean();
        assertThat(r.allocations()).isEqualTo(1);
        assertThat(r.frees()).isEqualTo(1);
        assertThat(r.live()).isZero();
        assertThat(r.free()).isEqualTo(1);
    }

    @Test
    void aDoubleFree_throwsOnTheCpuThatMadeIt_showingTheFirstFree() {
        Ledger ledger = new Ledger();
        try (Harness h = new Harness(LOCKED, 3, ledger)) {
            Obj obj = h.obj(0);
            ledger.allocated(obj);
            h.on(1, () -> h.lists.attemptDeferFree(obj));
            Harness.await(() -> obj.frees == 1);
            assertThatThrownBy(() -> h.on(2, () -> h.lists.attemptDeferFree(obj)))
                    .rootCause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("double free of object #1")
                    .hasMessageContaining("which is FREE")
                    .hasMessageContaining("now: DEFERRED by cpu 2 (PER_CPU_LOCKED)")
                    .hasMessageContaining("#3 FREE on cpu 0 (PER_CPU_LOCKED)");
            assertThat(obj.frees).isEqualTo(1); // the second free never reached a list or the reclaimer
        }
    }

    @Test
    void aUseAfterFree_throws() {
        Ledger ledger = new Ledger();
        try (Harness h = new Harness(LOCKED, 2, ledger)) {
            Obj obj = h.obj(0);
            ledger.allocated(obj);
            h.on(0, () -> h.lists.attemptDeferFree(obj)); // LOCAL_OWN: freed at once
            assertThatThrownBy(() -> h.on(1, () -> {
                ledger.used(obj);
                return 0;
            })).rootCause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use after free of object #1").hasMessageContaining("which is FREE");
        }
    }

    @Test
    void aForeignObject_isRejectedWithoutTouchingAList() {
        Ledger ledger = new Ledger();
        Ledger other = new Ledger();
        try (Harness h = new Harness(LOCKED, 2, ledger)) {
            Obj never = h.obj(0);
            assertThatThrownBy(() -> h.on(1, () -> h.lists.attemptDeferFree(never))).rootCause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("foreign object").hasMessageContaining("never saw it allocated");
            Obj theirs = h.obj(0);
            other.allocated(theirs);
            assertThatThrownBy(() -> h.on(1, () -> h.lists.attemptDeferFree(theirs))).rootCause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another ledger tracks it");
            assertThatThrownBy(() -> ledger.used(theirs)).isInstanceOf(IllegalArgumentException.class);
            assertThat(h.freed).isEmpty();
        }
    }

    @Test
    void anObjectPutIntoCirculationTwice_throws() {
        Ledger ledger = new Ledger();
        Obj obj = new Obj(7, 0);
        ledger.allocated(obj);
        assertThatThrownBy(() -> ledger.allocated(obj)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("allocated twice").hasMessageContaining("which is ALLOCATED");
        assertThatThrownBy(() -> ledger.forget(obj)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forgotten while not free");
    }

    @Test
    void theAudit_namesAnObjectLeftOnAList_untilTheDrainFreesIt() {
        Ledger ledger = new Ledger();
        Harness h = new Harness(LOCKED, 3, ledger);
        Obj obj = h.obj(0);
        ledger.allocated(obj);
        Harness.Blocker cpu0 = h.block(0); // cpu0 busy: it will not flush
        h.on(1, () -> h.lists.attemptDeferFree(obj));
        h.machine.offline(2); // anything, while cpu0 is held: the object stays on its list
        Ledger.Report before = ledger.audit();
        assertThat(before.deferred()).isEqualTo(1);
        assertThat(before.conserved()).isTrue();
        assertThat(before.leftOnLists()).singleElement().asString()
                .startsWith("object #1 (Obj, allocCpu 0) on cpu 0's list").contains("DEFERRED on cpu 1");
        assertThatThrownBy(before::requireClean).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 object(s) left on a defer list: object #1");
        cpu0.release();
        h.close();
        assertThat(ledger.audit().requireClean().frees()).isEqualTo(1);
    }

    @Test
    void aForgottenObject_leavesTheCount_andMayBeAllocatedAfresh() {
        Ledger ledger = new Ledger();
        try (Harness h = new Harness(LOCKED, 2, ledger)) {
            Obj obj = h.obj(1);
            ledger.allocated(obj);
            h.on(1, () -> h.lists.attemptDeferFree(obj));
            ledger.forget(obj);
            assertThat(ledger.stateOf(obj)).isNull();
            ledger.allocated(obj);
            assertThat(ledger.historyOf(obj)).containsExactly("#1 ALLOCATED off-cpu");
        }
        Ledger.Report r = ledger.audit();
        assertThat(r.forgotten()).isEqualTo(1);
        assertThat(r.allocations()).isEqualTo(2);
        assertThat(r.conserved()).isTrue();
        assertThat(r.allocated()).isEqualTo(1);
    }
}
