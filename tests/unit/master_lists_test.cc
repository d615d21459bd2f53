// What a reduce task learns of its map outputs' locations: those its assignment carried first,
// without asking the master, then the rest from it.
#include "framework/src/runtime/master_lists.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

namespace minimr::runtime {
namespace {

// A loopback port nothing listens on: a task that asked the master there would fail.
uint16_t ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();  // closed again when the acceptor goes
}

std::vector<wire::MapOutputLocation> KnownUpTo(int count) {
  std::vector<wire::MapOutputLocation> known;
  for (int m = 0; m < count; ++m) known.push_back({"10.0.0.1", 7001, m, 0});
  return known;
}

class MapOutputLocationsTest : public ::testing::Test {
 protected:
  MasterAddress master_{"127.0.0.1", ClosedPort(), {}};
  TaskControl control_;
};

TEST_F(MapOutputLocationsTest, GivesTheLocationsTheAssignmentCarriedWithoutAskingTheMaster) {
  MapOutputLocations locations(master_, 1, 3, std::chrono::milliseconds(2000), control_,
                               KnownUpTo(3));
  wire::MapOutputLocation next;
  for (int m = 0; m < 3; ++m) {
    ASSERT_TRUE(locations.Next(&next));
    EXPECT_EQ(next.map_task, m);
    EXPECT_EQ(next.host, "10.0.0.1");
  }
  EXPECT_FALSE(locations.Next(&next));
}

TEST_F(MapOutputLocationsTest, AsksTheMasterForTheLocationsTheAssignmentDidNotCarry) {
  MapOutputLocations locations(master_, 1, 3, std::chrono::milliseconds(2000), control_,
                               KnownUpTo(2));
  wire::MapOutputLocation next;
  ASSERT_TRUE(locations.Next(&next));
  ASSERT_TRUE(locations.Next(&next));
  try {
    locations.Next(&next);
    ADD_FAILURE() << "map task 2's location came from nowhere";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("reading job 1's map output locations from the master"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(MapOutputLocationsTest, RefusesCarriedLocationsOutOfOrderOrBeyondTheMapTasks) {
  std::vector<wire::MapOutputLocation> skipping = KnownUpTo(3);
  skipping.erase(skipping.begin() + 1);
  EXPECT_THROW(MapOutputLocations(master_, 1, 3, std::chrono::milliseconds(2000), control_,
                                  skipping),
               std::runtime_error);
  try {
    MapOutputLocations(master_, 1, 2, std::chrono::milliseconds(2000), control_, KnownUpTo(3));
    ADD_FAILURE() << "three locations taken for two map tasks";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the master sent the location of map task 2 for map task 2 of 2");
  }
}

}  // namespace
}  // namespace minimr::runtime
