// Package record holds the plain data of a load run, with no behaviour
// beyond adding it up: what a protocol client reports of one request
// (Response), one request as a driver reports it (Request), the tallies of
// many (Counts), and what a run measured (Result). The engine (package
// load) fills them; the event loops (load/evloop) and the report (package
// report) read or add them without depending on the engine.
package record
