Attribute VB_Name = "ArXlRibbon"
' ar-xl: the callbacks of the Collections ribbon tab.
'
' Every button runs one entry point of the Python module ar_xl.excel.macros on the
' active workbook, through the xlwings add-in's RunPython (install it with
' `xlwings addin install`; the interpreter is set in its ribbon or in
' %USERPROFILE%\.xlwings\xlwings.conf). The button's tag is the entry point's
' name: ar_xl.excel.macros.dispatch(tag) runs it, shows progress in the status bar
' and reports any problem in a message box.
'
' This file is the source of the add-in's VBA; `ar-xl addin build` compiles
' nothing, it stores this text in ar_xl.xlam and Excel compiles it on load.
Option Explicit

Private Const RUN_PYTHON As String = "'xlwings.xlam'!RunPython"
Private Const TITLE As String = "Collections"

' onAction of every button but Import statement.
Public Sub ArXlDispatch(control As IRibbonControl)
    ArXlRun control.Tag, ""
End Sub

' onAction of Import statement: ask for the statement files first.
Public Sub ArXlImportStatement(control As IRibbonControl)
    Dim picked As Variant
    Dim files As String
    Dim i As Long
    picked = Application.GetOpenFilename( _
        "Bank statements (*.sta;*.mt940;*.940;*.txt;*.xml;*.053;*.054;*.csv;*.xlsx)," & _
        "*.sta;*.mt940;*.940;*.txt;*.xml;*.053;*.054;*.csv;*.xlsx,All files (*.*),*.*", _
        1, "Import bank statements", , True)
    If Not IsArray(picked) Then Exit Sub
    For i = LBound(picked) To UBound(picked)
        If Len(files) > 0 Then files = files & "|"
        files = files & picked(i)
    Next i
    ArXlRun control.Tag, files
End Sub

' onAction of Load open items: ask for the ERP's open-items export, then (optionally) its customers export.
Public Sub ArXlLoadOpenItems(control As IRibbonControl)
    Dim items As Variant
    Dim customers As Variant
    Dim files As String
    items = Application.GetOpenFilename( _
        "ERP exports (*.csv;*.txt;*.xlsx),*.csv;*.txt;*.xlsx,All files (*.*),*.*", _
        1, "Load open items: the ERP's open-items export")
    If VarType(items) = vbBoolean Then Exit Sub
    files = items
    customers = Application.GetOpenFilename( _
        "ERP exports (*.csv;*.txt;*.xlsx),*.csv;*.txt;*.xlsx,All files (*.*),*.*", _
        1, "Load open items: the customers export (Cancel if none)")
    If VarType(customers) <> vbBoolean Then files = files & "|" & customers
    ArXlRun control.Tag, files
End Sub

' Run ar_xl.excel.macros.dispatch(tag, argument) on the active workbook.
Public Sub ArXlRun(ByVal tag As String, ByVal argument As String)
    Dim pyCommand As String
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open the collections workbook first, then click the button again.", vbExclamation, TITLE
        Exit Sub
    End If
    pyCommand = "import ar_xl.excel.macros as m; m.dispatch(" & PyText(tag) & ", " & PyText(argument) & ")"
    On Error GoTo NoXlwings
    Application.Run RUN_PYTHON, pyCommand
    Exit Sub
NoXlwings:
    MsgBox "The Collections buttons need the xlwings add-in, which is not loaded." & vbCrLf & _
           "Ask IT to run `xlwings addin install` and restart Excel." & vbCrLf & vbCrLf & _
           "(" & Err.Description & ")", vbCritical, TITLE
End Sub

' A Python string literal holding text: backslashes and quotes escaped.
Private Function PyText(ByVal text As String) As String
    text = Replace(text, "\", "\\")
    text = Replace(text, "'", "\'")
    text = Replace(text, vbCr, "\r")
    text = Replace(text, vbLf, "\n")
    PyText = "'" & text & "'"
End Function
