# filelist.tcl: espnic_read_filelist, the RTL file lists (*.f) in Tcl, for
# the Vivado scripts (plugin/build_box_250mhz.tcl, vivado/ooc_core.tcl), as
# cmake/rtl.cmake reads them for the simulator.

# espnic_read_filelist FILE: the paths in a .f list ('-f other.f' includes
# another list, '#' starts a comment), relative to the list's directory.
proc espnic_read_filelist {list_file} {
    set dir [file dirname $list_file]
    set fh [open $list_file r]
    set out {}
    foreach line [split [read $fh] "\n"] {
        set line [string trim $line]
        if {$line eq "" || [string index $line 0] eq "#"} {
            continue
        }
        if {[regexp {^-f\s+(.+)$} $line -> inner]} {
            lappend out {*}[espnic_read_filelist [file normalize [file join $dir $inner]]]
        } else {
            lappend out [file normalize [file join $dir $line]]
        }
    }
    close $fh
    return $out
}
