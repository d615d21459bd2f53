// gnuplot processes started ahead of their plots (report::StartPlotters in minimr/plot.h): each
// draws a throw-away plot, which loads gnuplot and the terminal of the plots to come (with the
// fonts of pngcairo), and then waits in `load` on a FIFO of its own for the script of a real plot;
// once it has drawn one, it says so on a second FIFO and waits for the next.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "framework/src/util/process.h"

namespace minimr::report {

// Makes sure `count` plotters warmed with `terminal` (the `set terminal` command of their
// throw-away plot) run, starting those that are missing. Never throws: a plotter that cannot
// start is left out.
void StartPlotterProcesses(int count, const std::string& terminal);

// Stops the plotters that are not drawing (they are stopped at exit anyway).
void StopPlotterProcesses();

// Runs the gnuplot script at `script` on a plotter (one warmed with `terminal` if one is free),
// waiting for one while they are all drawing, and returns how it ended, as RunCommand does: status
// 0 once it has drawn the plot, or the plotter's exit status if the script made it exit (an
// error), or -1 if it was killed after `timeout`; the output is what the plotter wrote meanwhile.
// nullopt: there is no plotter, or the one taken never got ready; the caller runs gnuplot itself.
std::optional<CommandResult> RunOnPlotter(const std::string& script, const std::string& terminal,
                                          std::chrono::milliseconds timeout);

}  // namespace minimr::report
