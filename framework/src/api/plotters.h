// gnuplot processes started ahead of their plots (report::StartPlotters in minimr/plot.h): each
// draws a throw-away plot, which loads gnuplot and the terminal of the plots to come (with the
// fonts of pngcairo), and then waits in `load` on a FIFO of its own for the script of a real plot.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "framework/src/util/process.h"

namespace minimr::report {

// Makes sure `count` plotters warmed with `terminal` (the `set terminal` command of their
// throw-away plot) wait, starting those that are missing. Never throws: a plotter that cannot
// start is left out.
void StartPlotterProcesses(int count, const std::string& terminal);

// Runs the gnuplot script at `script` on a waiting plotter that still runs (one warmed with
// `terminal` if there is one) and returns how it ended (as RunCommand does; killed after
// `timeout`). nullopt: no plotter was ready; the caller runs gnuplot itself.
std::optional<CommandResult> RunOnPlotter(const std::string& script, const std::string& terminal,
                                          std::chrono::milliseconds timeout);

}  // namespace minimr::report
