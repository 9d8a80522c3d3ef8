# check_tcl.tcl: a syntax check of Vivado Tcl (and unmanaged XDC) files with
# a plain tclsh, no Vivado: every file must split into complete commands
# (braces, brackets and quotes balanced: `info complete` command by
# command, so an error names its line), and every proc body the same way.
# Then the plugin's build_box_250mhz.tcl runs against stand-ins for the
# Vivado commands it calls: the RTL it reads must exist, the core and the
# wrapper must be among it, and the defines and constraints must be set.
#   tclsh check_tcl.tcl REPO FILE...

proc check_text {name text first_line} {
    set cmd ""
    set start $first_line
    set n [expr {$first_line - 1}]
    foreach line [split $text "\n"] {
        incr n
        if {$cmd eq ""} {
            set start $n
        }
        append cmd $line "\n"
        if {[info complete $cmd]} {
            set cmd ""
        }
    }
    if {$cmd ne ""} {
        puts stderr "$name:$start: command not complete (unbalanced braces, brackets or quotes)"
        return 1
    }
    return 0
}

proc check_file {path} {
    set fh [open $path r]
    set text [read $fh]
    close $fh
    if {[check_text $path $text 1]} {
        return 1
    }
    # proc bodies: parse them too (their commands run only when called).
    set bad 0
    foreach {all body} [regexp -all -inline {proc\s+\S+\s+\{[^\}]*\}\s+(\{.*?\n\})} $text] {
        set bad [expr {$bad | [check_text "$path (a proc body)" [string range $body 1 end-1] 1]}]
    }
    return $bad
}

set repo [lindex $argv 0]
set bad 0
foreach f [lrange $argv 1 end] {
    set bad [expr {$bad | [check_file $f]}]
}

# build_box_250mhz.tcl with stand-ins for the Vivado commands it uses.
set ::read_files {}
set ::xdc_files {}
set ::props [dict create verilog_define {__synthesis__ __au250__}]
proc read_verilog {args} {
    foreach a $args {
        if {[string index $a 0] ne "-"} {
            lappend ::read_files {*}$a
        }
    }
}
proc read_xdc {args} { lappend ::xdc_files [lindex $args end] }
proc current_fileset {} { return sources_1 }
proc get_property {name obj} { return [dict get $::props $name] }
proc set_property {name value obj} { dict set ::props $name $value }

set ::env(ESPNIC_BUILD_ID) 1234abcd
set plugin [file join $repo fw alveo plugin]
set here [pwd]
cd $plugin
if {[catch {source build_box_250mhz.tcl} err]} {
    puts stderr "build_box_250mhz.tcl failed: $err"
    exit 1
}
cd $here
foreach f $::read_files {
    if {![file exists $f]} {
        puts stderr "build_box_250mhz.tcl reads a missing file: $f"
        set bad 1
    }
}
foreach m {espnic_core.sv espnic_250mhz.sv axil_reg_cdc.sv espnic_regs_pkg.sv} {
    if {[lsearch -glob $::read_files "*/$m"] < 0} {
        puts stderr "build_box_250mhz.tcl does not read $m"
        set bad 1
    }
}
if {[file tail [lindex $::read_files end]] ne "espnic_250mhz.sv"} {
    puts stderr "build_box_250mhz.tcl: the plugin top is not read last"
    set bad 1
}
set defs [dict get $::props verilog_define]
foreach d {__synthesis__ SYNTHESIS ESPNIC_BUILD_ID=1234abcd} {
    if {[lsearch -exact $defs $d] < 0} {
        puts stderr "build_box_250mhz.tcl: define $d missing ($defs)"
        set bad 1
    }
}
if {[llength $::xdc_files] != 1 || ![file exists [lindex $::xdc_files 0]]} {
    puts stderr "build_box_250mhz.tcl: constraints not read ($::xdc_files)"
    set bad 1
}
if {!$bad} {
    puts "Tcl check: [expr {$argc - 1}] files parse; build_box_250mhz.tcl reads [llength $::read_files] RTL files"
}
exit $bad
