-- The tests of this folder are L1 unit tests (tests/<component>, on CPU):
-- the spec's `pytestmark = [core_model, cpu]` for the whole folder, which
-- is what L1's -m 'core_model and cpu' selects.
require("omni").marks{ "core_model", "cpu" }
