#pragma once
// A capability (Behaviour::capability<ClickModel>()): the module models clicks, hiding each shown
// offer the consumer did not click by setting its utility to kUnclicked (agents/behaviour.h).
// With one in the run, the engine counts the impressions left in the choice as clicks, per slot
// (DayRecord::slot_clicks); without one, a run has no clicks to count (not every impression).
namespace marketsim {

class ClickModel {
 public:
  virtual ~ClickModel() = default;
};

}  // namespace marketsim
