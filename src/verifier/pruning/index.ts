// pruning/: state pruning: is_state_visited, states_equal, regsafe, stacksafe,
// func_states_equal, clean_live_states (pruning); SCC visits and loop
// backedges, maybe_enter_scc / maybe_exit_scc / propagate_backedges (sccVisit);
// update_branch_counts and freeing explored states (branchCounts).
export * from './branchCounts.js';
export * from './pruning.js';
export * from './sccVisit.js';
