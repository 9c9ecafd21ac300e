//! Known-wrong implementations of every exercise: each must be caught by exactly the
//! checks its fixture names; and correct implementations of other designs than the
//! solution's, which must pass every check (see `fixtures/README.md`).

mod common;

use common::{
    Graded, course, grade, grader, listed_checks, processes_marked, repo, statuses_catch,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    timeout_secs: Option<u64>,
    /// Files of the solution replaced whole (a different design), before the edits.
    #[serde(default)]
    file: Vec<WholeFile>,
    #[serde(default)]
    edit: Vec<Edit>,
    /// A correct design other than the solution's: every check must pass.
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    expect: BTreeMap<String, Expected>,
    #[serde(default)]
    messages: BTreeMap<String, String>,
    /// Words the report must lead with (its `Next:`): the explanation of the bug's real
    /// cause, whichever checks it breaks. Several when the explanation must hold each
    /// (the cause, and the learner's functions where the code was stuck).
    lead: Option<Words>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Words {
    One(String),
    All(Vec<String>),
}

impl Words {
    fn all(&self) -> Vec<&str> {
        match self {
            Words::One(one) => vec![one],
            Words::All(all) => all.iter().map(String::as_str).collect(),
        }
    }
}

/// One status, or several when the bug is undefined behaviour whose symptom may vary.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Expected {
    One(String),
    AnyOf(Vec<String>),
}

impl Expected {
    fn allows(&self, status: &str) -> bool {
        match self {
            Expected::One(s) => s == status,
            Expected::AnyOf(all) => all.iter().any(|s| s == status),
        }
    }

    /// Whether the allowed statuses make the check a catch (see [`statuses_catch`]).
    fn catches(&self) -> bool {
        match self {
            Expected::One(s) => statuses_catch(std::slice::from_ref(s)),
            Expected::AnyOf(all) => statuses_catch(all),
        }
    }

    fn describe(&self) -> String {
        match self {
            Expected::One(s) => s.clone(),
            Expected::AnyOf(all) => all.join(" or "),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WholeFile {
    name: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

fn fixtures_dir(dir: &str) -> PathBuf {
    repo().join("grader/tests/fixtures").join(dir)
}

/// The course.toml entry of the exercise in folder `dir`.
fn exercise(dir: &str) -> toml::Value {
    course()["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["dir"].as_str() == Some(dir))
        .unwrap_or_else(|| panic!("no exercise in folder {dir}"))
        .clone()
}

fn load(dir: &str, name: &str) -> Fixture {
    let path = fixtures_dir(dir).join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A submission holding one fixture, in the folder every fixture of its exercise reuses.
///
/// One folder per exercise keeps the overlay's path, and with it rustc's incremental
/// caches, the same from one fixture to the next, so each grading recompiles only what the
/// fixture changed (a new folder per fixture costs a full build of the exercise and its
/// checks: up to 15 s for the runtime). The lock gives the folder to one test at a time.
struct Submission {
    root: PathBuf,
    _turn: std::fs::File,
}

/// Writes the solution of exercise `dir` with the fixture's edits applied as a submission.
fn submission(dir: &str, fixture: &Fixture) -> Submission {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("known-wrong");
    std::fs::create_dir_all(&base).unwrap();
    let turn = std::fs::File::create(base.join(format!("{dir}.lock"))).unwrap();
    turn.lock().unwrap();
    let root = base.join(dir);
    let src = root.join("exercises").join(dir).join("src");
    if src.exists() {
        std::fs::remove_dir_all(&src).unwrap();
    }
    common::copy_tree(&repo().join("solutions").join(dir).join("src"), &src);
    for file in &fixture.file {
        let path = src.join(&file.name);
        assert!(
            path.is_file(),
            "the solution has no {} to replace",
            file.name
        );
        std::fs::write(&path, &file.content).unwrap();
    }
    for edit in &fixture.edit {
        let path = src.join(&edit.file);
        let text = std::fs::read_to_string(&path).unwrap();
        let found = text.matches(&edit.find).count();
        assert_eq!(
            found, 1,
            "fixture edit must match the solution's {} exactly once, matched {found} times:\n{}",
            edit.file, edit.find
        );
        std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1)).unwrap();
    }
    Submission { root, _turn: turn }
}

fn check_fixture(dir: &str, name: &str) -> Graded {
    let fixture = load(dir, name);
    assert_eq!(
        fixture.correct,
        fixture.expect.is_empty(),
        "{name}: a known-wrong fixture names the checks that catch it; a correct one \
         (`correct = true`) names none"
    );
    let sub = submission(dir, &fixture);
    let exercise_name = exercise(dir)["name"].as_str().unwrap().to_owned();
    let mut args = vec![exercise_name, "--submission".to_owned()];
    args.push(sub.root.display().to_string());
    if let Some(secs) = fixture.timeout_secs {
        args.extend(["--timeout".to_owned(), secs.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let graded = grade(grader(), &args);
    let actual = graded.checks();
    let wildcard = fixture.expect.get("*").cloned();
    let mut wrong = Vec::new();
    for (check, (status, message)) in &actual {
        let expected = fixture
            .expect
            .get(check)
            .cloned()
            .or_else(|| wildcard.clone())
            .unwrap_or_else(|| Expected::One("pass".to_owned()));
        // A check that skips itself because this machine cannot measure what it compares
        // right now (two_workers_faster on a machine whose cores are all busy) judged
        // nothing: it stands where a pass is expected, never where a catch is.
        let skipped_for_the_machine = status == "skipped" && expected.allows("pass");
        if !expected.allows(status) && !skipped_for_the_machine {
            wrong.push(format!(
                "{check}: expected {}, got {status} ({message})",
                expected.describe()
            ));
        }
        // A skipped check says why it could not judge, not what it would have found.
        if let Some(needle) = fixture.messages.get(check)
            && status != "skipped"
            && !message.contains(needle.as_str())
        {
            wrong.push(format!(
                "{check}: message should contain {needle:?}, was {message:?}"
            ));
        }
    }
    for needle in fixture.lead.iter().flat_map(Words::all) {
        let lead = graded.json["exercises"][0]["next"]
            .as_str()
            .unwrap_or_default();
        if !lead.contains(needle) {
            wrong.push(format!(
                "the report should lead with {needle:?}, led with {lead:?}"
            ));
        }
    }
    for check in fixture.expect.keys().filter(|c| *c != "*") {
        assert!(
            actual.contains_key(check),
            "{name}: no check {check} in the report"
        );
    }
    assert!(
        wrong.is_empty(),
        "fixture {name} ({}):\n{}",
        fixture.description,
        wrong.join("\n")
    );
    let code = if fixture.correct { 0 } else { 1 };
    assert_eq!(graded.code, code, "{name}: the grader's exit status");
    graded
}

macro_rules! fixtures {
    ($($dir:literal => $module:ident { $($name:ident),+ $(,)? })+) => {
        $(
            mod $module {
                $(
                    #[test]
                    fn $name() {
                        super::check_fixture($dir, stringify!($name));
                    }
                )+
            }
        )+
        /// Every (exercise folder, fixture) pair run by a generated test.
        const LISTED: &[(&str, &str)] = &[$($(($dir, stringify!($name))),+),+];
    };
}

fixtures! {
    "01-threads" => threads {
        sequential,
        tasks_on_caller,
        out_of_order,
        drop_joins_open_queue,
        panic_propagates,
        scoped_chunk_size,
        scoped_sequential,
        scoped_reversed,
        thread_per_job,
        pool_accepts_zero,
        pool_lock_held,
        pool_one_job_per_worker,
        pool_panic_kills_worker,
        pool_outlives,
        pool_spins,
        rayon_sequential,
        crashes,
        panic_str_only,
        tasks_in_batches,
        scoped_unwrap_join,
        scoped_ceil_chunks,
        scoped_capped,
        scoped_completion_order,
        pool_sync_channel,
        pool_capped,
        pool_naps,
        rayon_one_thread,
        rayon_completion_order,
        scoped_empty_chunks,
        scoped_empty_spawns,
        rayon_par_chunks,
        tasks_last_on_caller,
        tasks_few_threads,
        scoped_last_on_caller,
        scoped_panic_to_scope,
        rayon_min_len,
        pool_sleep_polls,
        alt_condvar_pool,
        alt_indexed_results,
        alt_even_split,
    }
    "02-callbacks" => callbacks {
        then_gets_oldest,
        spins,
        ties_reversed,
        fires_early,
        run_returns_early,
        interval_rearmed,
        clear_panics_on_unknown,
        thread_per_job,
        then_on_worker,
        work_panic_hangs,
        workers_not_joined,
        workers_take_turns,
        callback_panic_escapes,
        then_panic_escapes,
        fanout_arrival_order,
        http_ignores_status,
        fanout_one_at_a_time,
        done_skipped_when_empty,
        due_in_insertion_order,
        zero_workers_accepted,
        loop_naps,
        interval_from_start,
        zero_period_accepted,
        work_blocks_timers,
        run_counts_first_jobs,
        drop_skips_queue,
        loop_workers_capped,
        panic_text_str_only,
        http_single_read,
        http_without_connection_close,
        http_any_version,
        done_called_at_once,
        panic_continues,
        completion_waits_timer,
        timer_early,
        id_reuse,
        http_any_2xx,
        http_io_as_malformed,
        interval_from_end,
        loop_sleep_polls,
        keyed_by_deadline,
        runs_in_insertion_order,
        loses_nested_timers,
        alt_binary_heap,
        alt_condvar_workers,
        alt_fanout_by_hand,
        alt_held_up_setup,
    }
    "03-epoll" => epoll {
        raw_ignores_errors,
        level_triggered_busy,
        reads_one_chunk,
        poll_leaks_fd,
        blocking_sequential,
        timeout_ignored,
        timeout_rounded_down,
        eintr_is_an_error,
        deregister_does_nothing,
        waker_never_wakes,
        spurious_means_finished,
        unpacked_event,
        blocking_socket,
        waker_closes_twice,
        hup_not_readable,
        eintr_restarts_timeout,
        waker_wakes_once,
        request_without_connection_close,
        first_event_only,
        poll_naps,
        read_errors_end_response,
        full_counter_is_an_error,
        token_truncated,
        poll_no_cloexec,
        writable_as_readable,
        token_is_fd,
        eintr_returns_empty,
        wake_writes_four_bytes,
        would_block_ends_response,
        deregisters_after_first_event,
        raw_errno_not_negated,
        alt_own_packed_event,
        alt_pipe_waker,
        alt_small_buffers,
    }
    "04-green-threads" => green_threads {
        first_switch_on_caller_stack,
        misaligned_by_8,
        rbx_not_saved,
        entry_returns,
        run_returns_early,
        one_pass_per_run,
        run_not_reset,
        tasks_leaked_on_drop,
        stack_without_guard,
        guard_at_top,
        yielded_task_first,
        stacks_never_freed,
        yield_sleeps,
        stack_never_unmapped,
        spare_stacks_leaked_with_runtime,
        prepare_ignores_alignment,
        prepare_rounds_up,
        guard_inside_requested_size,
        stack_size_not_rounded,
        with_stack_size_ignored,
        yield_reboxes_task,
        yield_asks_the_kernel,
        unmaps_usable_part_only,
        spares_shared_by_runtimes,
        first_switch_global,
        first_switch_rereads_state,
        spawn_outside_ignored,
        nested_run_allowed,
        task_panic_caught,
        runtime_pointer_global,
        switch_loads_rsp_off_by_one_field,
        stack_ends_mixed_up,
        yield_reads_cpu_clock,
        switch_saves_signal_mask,
        nested_spawn_to_front,
        nested_spawn_runs_at_once,
        alt_interleaved_switch,
        alt_ring_queue,
        alt_reserved_stacks,
        alt_through_the_scheduler,
    }
    "05-futures" => futures {
        pending_without_wake,
        stale_waker,
        delay_never_wakes,
        loses_a_local,
        stalls_between_states,
        join_one_after_other,
        join_all_polls_everyone,
        join_all_completion_order,
        select_keeps_loser,
        select_prefers_b,
        unpin_self_reference,
        counts_every_line,
        delay_thread_per_poll,
        join_all_first_parent_waker,
        carries_water,
        word_count_truncates,
        delay_flag_then_store,
        word_count_boxed_buffer,
        delay_counts_from_making,
        delay_wakes_before_done,
        join_all_wakes_before_noting,
        join_all_counts_twice,
        word_count_one_tick,
        delay_helper_every_poll,
        carries_beans,
        keeps_every_local,
        runs_a_step_twice,
        word_count_never_waits,
        word_count_counts_early,
        alt_flag_and_waker_lock,
        alt_channel_join_all,
        alt_shared_fields_state,
    }
    "06-runtime" => runtime {
        wrong_thread_unparked,
        condvar_without_flag,
        busy_block_on,
        park_token_only,
        join_handle_loses_value,
        panic_escapes,
        join_handle_helper_thread,
        finished_tasks_kept,
        wake_without_notify,
        busy_executor,
        thread_per_timer,
        register_then_store,
        connect_ignores_error,
        sleep_keeps_timer,
        reactor_not_stopped,
        body_includes_head,
        blocking_get,
        polls_every_task,
        main_polled_every_round,
        join_handle_keeps_first_waker,
        late_wake_panics,
        spawn_outside_ignored,
        nearer_timer_not_notified,
        fires_timers_almost_due,
        reactor_naps,
        get_reads_once,
        get_without_connection_close,
        unpark_before_flag,
        notify_before_queue,
        from_std_blocking,
        read_to_end_counts_all,
        sleep_counts_from_making,
        sleep_outside_blocks,
        dropped_handle_cancels,
        idle_reactor_naps,
        read_errors_wait,
        join_error_bare_display,
        connect_blocks,
        sleep_keeps_first_waker,
        second_poll_means_fired,
        reactor_stops_on_eintr,
        panic_text_str_only,
        runtime_left_behind,
        write_all_once,
        http_any_version,
        http_split_at_last_blank,
        thread_per_task,
        reactor_polls_zero,
        block_on_nests,
        alt_slab_channel_executor,
        alt_heap_timers_pipe,
        alt_timerfd_reactor,
    }
    "07-multi-thread" => multi_thread {
        block_on_runs_tasks,
        block_on_spins,
        finished_tasks_kept,
        worker_index_of_any_runtime,
        busy_task_skipped,
        cancelled_never_delivered,
        dropped_handle_cancels,
        free_spawn_not_send,
        idle_workers_nap,
        idle_workers_spin,
        join_handle_loses_value,
        join_keeps_first_waker,
        new_accepts_zero,
        no_stealing,
        non_send_wrapper,
        notified_not_requeued,
        own_queue_not_rung,
        queued_per_wake,
        sleep_check_outside_lock,
        one_poll_lock,
        panic_kills_worker,
        panic_text_str_only,
        queue_lock_held_while_polling,
        reactor_not_shut_down,
        reactor_per_worker,
        running_wake_ignored,
        shutdown_leaks_tasks,
        spawn_outside_ignored,
        stop_rings_one_worker,
        unsafe_cell_double_poll,
        wake_without_ring,
        waker_uses_thread_runtime,
        workers_left_running,
        worker_waits_for_its_task,
        workers_not_entered,
        fewer_workers,
        task_holds_runtime,
        block_on_not_entered,
        alt_join_by_parking,
        alt_mpsc_channel,
        alt_one_queue_stage_enum,
        alt_round_robin_parked,
    }
}

/// Fixtures run by the hand-written tests below, which check more than statuses.
const CHECKED_BY_HAND: &[(&str, &str)] = &[
    ("01-threads", "infinite_loop"),
    ("01-threads", "compile_error"),
];

#[test]
fn infinite_loop_times_out_and_leaves_nothing_running() {
    let graded = check_fixture("01-threads", "infinite_loop");
    for name in [
        "rayon_map::same_as_sequential",
        "rayon_map::runs_on_rayon_pool",
    ] {
        let seconds = graded.check(name)["seconds"].as_f64().unwrap();
        // Killed at the 3 s limit, not left to spin until something else stops it.
        assert!(
            (3.0..6.0).contains(&seconds),
            "{name} ran {seconds} s with a 3 s limit"
        );
    }
    let left = processes_marked(&graded.mark);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn compile_error_shows_the_compilers_message_at_the_learners_file() {
    let graded = check_fixture("01-threads", "compile_error");
    let threads = graded.exercise("threads");
    assert_eq!(threads["status"], "compile-error");
    let error = threads["compile_error"].as_str().unwrap();
    assert!(error.contains("error[E0308]: mismatched types"), "{error}");
    assert!(
        error.contains("exercises/01-threads/src/pool.rs"),
        "{error}"
    );
    assert!(
        !error.contains("target/grader"),
        "paths must point at the submission: {error}"
    );
}

#[test]
fn the_human_report_explains_a_failure_in_words() {
    let sub = submission("01-threads", &load("01-threads", "sequential"));
    let output = grader()
        .args(["threads", "--submission"])
        .arg(&sub.root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "fail          tasks::eight_sleeps_overlap",
        "concurrent code takes about 0.15 s, sequential about 1.2",
        "the work seems to run one part after another",
        "at most 1 of 40 parties were running at the same moment",
        "hint:  If you join each thread right after spawning it",
        "read:  book/src/threads.md#step-1-run-tasks-concurrently",
        "check: grader/checks/01-threads/tests/checks/tasks.rs:",
        "20/22 checks passed, 2 failing; 42/47 points",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// The exercises that keep at least three correct designs other than the solution's.
const WITH_ALTERNATIVES: &[&str] = &[
    "01-threads",
    "02-callbacks",
    "03-epoll",
    "04-green-threads",
    "05-futures",
    "06-runtime",
    "07-multi-thread",
];

/// Every fixture file is run by a test above, and every check is caught by some fixture.
#[test]
fn fixtures_cover_every_check() {
    let run: BTreeSet<(String, String)> = LISTED
        .iter()
        .chain(CHECKED_BY_HAND)
        .map(|(d, n)| (d.to_string(), n.to_string()))
        .collect();
    let mut uncaught = Vec::new();
    for ex in course()["exercise"].as_array().unwrap() {
        let dir = ex["dir"].as_str().unwrap();
        let files: BTreeSet<(String, String)> = std::fs::read_dir(fixtures_dir(dir))
            .unwrap_or_else(|e| panic!("exercise {dir} has no known-wrong fixtures: {e}"))
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".toml")
                    .map(|n| (dir.to_owned(), n.to_owned()))
            })
            .collect();
        let listed: BTreeSet<_> = run.iter().filter(|(d, _)| d == dir).cloned().collect();
        assert_eq!(
            files, listed,
            "every fixture file of {dir} needs a test, and every test a file"
        );
        let correct = files
            .iter()
            .filter(|(_, name)| load(dir, name).correct)
            .count();
        if WITH_ALTERNATIVES.contains(&dir) && correct < 3 {
            uncaught.push(format!(
                "{dir} has {correct} correct alternative designs as fixtures; it needs 3, so that \
                 no check rejects a design other than the solution's"
            ));
        }
        let caught: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, name)| load(dir, name).expect.into_iter())
            .filter(|(check, expected)| check != "*" && expected.catches())
            .map(|(check, _)| check)
            .collect();
        for name in listed_checks(ex) {
            if !caught.contains(&name) {
                uncaught.push(format!("{dir} {name}"));
            }
        }
        let leads = files
            .iter()
            .filter(|(_, name)| load(dir, name).lead.is_some())
            .count();
        if leads < 2 {
            uncaught.push(format!(
                "{dir} has {leads} fixtures that name what the report leads with; it needs 2, \
                 so that the explanation of a bug that breaks several checks stays right"
            ));
        }
    }
    assert!(
        uncaught.is_empty(),
        "checks no known-wrong fixture catches, or explanations no fixture holds: {uncaught:?}"
    );
}
